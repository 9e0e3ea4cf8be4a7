// The one way an audit event is written, one line at its site:
//   await recordAudit(tx, actor, 'plan.updated', service.organizationId, plan.id, { service_id: service.id, ...input });
// called by a command inside the transaction of its change, so a change that fails (or is refused
// before it starts) leaves no event, and a committed change always has its event. The target's type
// follows from the action (actions.ts); `changes` keeps only the action's allowed fields.
import type { Tx } from '../db/client.ts';
import type { AppContext } from '../http/context.ts';
import { newSortableId } from '../security/random.ts';
import { allowedChanges, targetTypeOf, type AuditAction } from './actions.ts';
import { countAuditEvent } from './day-counts.ts';
import { DAY_MS, floorTo } from '../time-buckets.ts';

/**
 * Whether a PATCH set nothing (every field left out): its command answers with the row as it is and
 * writes nothing, so an empty PATCH leaves no audit event, no webhook event and no new updated_at.
 */
export function setsNothing(input: object): boolean {
  return Object.values(input).every((v) => v === undefined);
}

/** Who did it, and from where: built once per request (actorOf) or once per CLI command (systemActor). */
export interface Actor {
  type: 'account' | 'api_key' | 'system';
  id: string;
  /** An account's email; filled in by recordAudit when the caller did not know it. */
  email: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

const MAX_UA = 512;
const clip = (v: string | undefined, max: number): string | null => (v ? v.slice(0, max) : null);

/**
 * The request's actor: the Service API key when the request came with one (guard.ts set the principal),
 * else the signed-in admin account (its email comes with the organization access check, when one ran).
 */
export function actorOf(ctx: AppContext): Actor {
  const from = { ip: ctx.ip || null, userAgent: clip(ctx.get('user-agent'), MAX_UA), requestId: ctx.state.requestId };
  const key = ctx.state.principal;
  if (key) return { type: 'api_key', id: key.keyId, email: null, ...from };
  return { type: 'account', id: ctx.state.accountId ?? 'unknown', email: ctx.state.access?.accountEmail ?? null, ...from };
}

/** The `tessera` CLI: run by an operator on the server, with no request behind it. */
export function systemActor(command: string): Actor {
  return { type: 'system', id: `cli:${command}`, email: null, ip: null, userAgent: null, requestId: null };
}

/** A background job of the server itself (the SP-metadata refresh): no operator and no request behind it. */
export function jobActor(job: string): Actor {
  return { type: 'system', id: `job:${job}`, email: null, ip: null, userAgent: null, requestId: null };
}

/**
 * Writes one event of `org` (the organization whose audit log lists it) about `targetId`, and counts it
 * in its day counter (day-counts.ts), both in the caller's transaction. Only the action's allowed
 * fields of `changes` are kept (actions.ts): never pass a row. `at` is now but for imports and tests.
 */
export async function recordAudit(
  tx: Tx,
  actor: Actor,
  action: AuditAction,
  org: string,
  targetId: string,
  changes?: Record<string, unknown>,
  at = new Date(),
): Promise<void> {
  const email = actor.type === 'account' && actor.email === null ? ((await tx.account.findUnique({ where: { id: actor.id } }))?.email ?? null) : actor.email;
  const kept = allowedChanges(action, changes);
  await tx.auditEvent.create({
    data: {
      id: newSortableId('aud'),
      organizationId: org,
      action,
      actorType: actor.type,
      actorId: actor.id,
      actorEmail: email,
      targetType: targetTypeOf(action),
      targetId,
      ip: actor.ip,
      userAgent: actor.userAgent,
      requestId: actor.requestId,
      changes: kept ? JSON.stringify(kept) : null,
      createdAt: at,
    },
  });
  await tx.$executeRaw(countAuditEvent({ organizationId: org, day: floorTo(DAY_MS, at), action }));
}
