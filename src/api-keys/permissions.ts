export const PERMISSIONS = [
  'read:users',
  'write:users',
  'delete:users',
  'read:subscriptions',
  'write:subscriptions',
  'delete:subscriptions',
  'read:analytics',
  'read:service',
  'write:service',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const KNOWN: ReadonlySet<string> = new Set(PERMISSIONS);

export function isPermission(value: string): value is Permission {
  return KNOWN.has(value);
}
