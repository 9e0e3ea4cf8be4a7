// Audit events and sign-ins as docs/api.md shows them.
import type { AuditEvent, SignIn } from '../db/models.ts';
import { iso } from '../http/present.ts';

function parsedChanges(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  const v: unknown = JSON.parse(text);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export function presentAuditEvent(e: AuditEvent) {
  return {
    id: e.id,
    action: e.action,
    actor: { type: e.actorType, id: e.actorId, ...(e.actorEmail ? { email: e.actorEmail } : {}) },
    target: { type: e.targetType, id: e.targetId },
    ip: e.ip,
    user_agent: e.userAgent,
    request_id: e.requestId,
    changes: parsedChanges(e.changes),
    created_at: iso(e.createdAt),
  };
}

export function presentSignIn(s: SignIn, services: Map<string, string>) {
  return {
    id: s.id,
    flow: s.flow,
    outcome: s.outcome,
    reason: s.reason,
    user_id: s.userId,
    email: s.email,
    service: s.serviceId ? (services.get(s.serviceId) ?? null) : null,
    service_id: s.serviceId,
    binding: s.binding,
    authn_context: s.authnContext,
    ip: s.ip,
    user_agent: s.userAgent,
    request_id: s.requestId,
    created_at: iso(s.createdAt),
  };
}
