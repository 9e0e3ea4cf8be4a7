// The one place a refused SAML request is reported, wrapped around the SSO, IdP-initiated and SLO
// routes: a warn line with the reason and what came against what is configured, a count by reason,
// and a row of the organization's sign-in activity (src/audit). The page (or JSON) the browser gets is rendered from the same SamlRefusal by
// http/middleware.ts, with the reason beside the request-id reference, so the three meet on one code.
import type { Next } from 'koa';
import type { Counter } from 'prom-client';
import type { AppContext } from '../http/context.ts';
import type { Logger } from '../http/log.ts';
import { SamlRefusal } from './pipeline/reasons.ts';
import { samlFlow, type SamlOutcomeRecorder } from '../audit/saml-activity.ts';

export type OutcomeCounter = Counter<'outcome' | 'reason'>;

const MAX_SLUGS_CHARS = 200;

export function reportRefusals(
  logger: Logger,
  outcomes: OutcomeCounter,
  activity: SamlOutcomeRecorder,
  onRefused?: (ctx: AppContext, refusal: SamlRefusal) => Promise<void>,
) {
  return async function refusals(ctx: AppContext, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      if (err instanceof SamlRefusal) {
        // Only the reason, the public values the refusal chose, and the URL's slugs: never the message.
        // `samlService`, not `service`: every line already carries service: "tessera".
        const samlService = `${ctx.params.org ?? ''}/${ctx.params.service ?? ''}`.slice(0, MAX_SLUGS_CHARS);
        const { flow, binding } = samlFlow(ctx);
        logger.warn(
          { reqId: ctx.state.requestId, reason: err.reason, received: err.received, expected: err.expected, samlService, flow, binding },
          'SAML request refused',
        );
        outcomes.inc({ outcome: 'refused', reason: err.reason });
        await activity(ctx, 'refused', err.reason);
        await onRefused?.(ctx, err);
      } else {
        // Not a refusal (replay cache or signing key unavailable, database down): logged where it happened.
        outcomes.inc({ outcome: 'error', reason: '' });
      }
      throw err;
    }
  };
}
