export const PERMISSIONS = [
  'read:users', 'write:users', 'delete:users',
  'read:subscriptions', 'write:subscriptions', 'delete:subscriptions',
  'read:analytics', 'read:service', 'write:service',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
