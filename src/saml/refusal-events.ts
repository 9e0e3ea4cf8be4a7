// sign_in.refused webhook events (docs/api.md, Webhooks): a refused SSO or IdP-initiated request whose
// organization and service are known, and a failed hosted sign-in. Written only for organizations that
// may have a webhook taking them (WebhookPresence), so a flood of refusals costs others nothing.
import type { Deps } from '../deps.ts';
import type { AppContext } from '../http/context.ts';
import type { OutboxEvent } from '../webhooks/index.ts';
import type { SamlDirectory } from './directory.ts';
import type { ReportedReason } from './refusals.ts';
import type { PasswordRefusal } from './hosted-password.ts';

/**
 * A hosted sign-in was refused: at the password page (its codes are those of the sign-in activity,
 * docs/api.md) or at the second-factor step of a SAML request's sign-in.
 */
export function signInRefused(
  organizationId: string,
  service: { id: string; slug: string },
  reason: PasswordRefusal | 'mfa_failed' | 'rate_limited',
  email: string,
  userId: string | undefined,
  stage: 'sign_in_page' | 'second_factor' = 'sign_in_page',
): OutboxEvent {
  return {
    organizationId,
    type: 'sign_in.refused',
    data: { reason, stage, service: { id: service.id, slug: service.slug }, email, user_id: userId ?? null },
  };
}

/** For refusalReporter: the refusal's reason code, once the URL's service is known to be one of ours. */
export function refusalEvent(deps: Deps, directory: SamlDirectory) {
  return async (ctx: AppContext, reason: ReportedReason): Promise<void> => {
    if (reason === 'unknown_service') return;
    const target = await directory.resolve(ctx.params.org ?? '', ctx.params.service ?? '').catch(() => null);
    if (!target) return;
    await deps.webhooks.emit({
      organizationId: target.org.id,
      type: 'sign_in.refused',
      data: { reason, stage: 'saml_request', service: { id: target.service.id, slug: target.service.slug }, request_id: ctx.state.requestId },
    });
  };
}
