// The one place a refused SAML request is reported, wrapped around the SSO, IdP-initiated and SLO
// routes: a warn line with the reason and what came against what is configured, a count by reason,
// and a row of the organization's sign-in activity (src/audit). The page (or JSON) the browser gets is rendered from the same SamlRefusal by
// http/middleware.ts, with the reason beside the request-id reference, so the three meet on one code.
import type { Next } from 'koa';
import type { Counter } from 'prom-client';
import type { AppContext } from '../http/context.ts';
import type { Logger } from '../http/log.ts';
import { SamlRefusal, type RefusalValues } from './pipeline/reasons.ts';
import { samlFlow, type SamlOutcomeRecorder } from '../audit/saml-activity.ts';

export type OutcomeCounter = Counter<'outcome' | 'reason'>;

const MAX_SLUGS_CHARS = 200;

/** What a refusal is reported with: a thrown refusal's code, or the SAML status a request was answered with. */
export type ReportedReason = SamlRefusal['reason'] | 'no_passive' | 'no_authn_context';

/**
 * Reports one refusal: the warn line (only the reason, the public values the refusal chose and the URL's
 * slugs, never a message), the count by reason, the activity row and `onRefused` (the webhook event).
 * Also for the refusals answered with a SAML status rather than thrown (NoPassive, NoAuthnContext:
 * saml/routes.ts).
 */
export function refusalReporter(
  logger: Logger,
  outcomes: OutcomeCounter,
  activity: SamlOutcomeRecorder,
  onRefused?: (ctx: AppContext, reason: ReportedReason) => Promise<void>,
) {
  return async (ctx: AppContext, reason: ReportedReason, shown: RefusalValues = {}) => {
    // `samlService`, not `service`: every line already carries service: "tessera".
    const samlService = `${ctx.params.org ?? ''}/${ctx.params.service ?? ''}`.slice(0, MAX_SLUGS_CHARS);
    const { flow, binding } = samlFlow(ctx);
    logger.warn({ reqId: ctx.state.requestId, reason, received: shown.received, expected: shown.expected, samlService, flow, binding }, 'SAML request refused');
    outcomes.inc({ outcome: 'refused', reason });
    await activity(ctx, 'refused', reason, shown.user);
    await onRefused?.(ctx, reason);
  };
}

/** Around the SAML routes: a thrown refusal is reported (`report`, a refusalReporter), then answered as usual. */
export function reportRefusals(outcomes: OutcomeCounter, report: ReturnType<typeof refusalReporter>) {
  return async function refusals(ctx: AppContext, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      if (err instanceof SamlRefusal) await report(ctx, err.reason, err);
      // Not a refusal (replay cache or signing key unavailable, database down): logged where it happened.
      else outcomes.inc({ outcome: 'error', reason: '' });
      throw err;
    }
  };
}
