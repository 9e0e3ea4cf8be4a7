import type { Db } from '../db/client.ts';
import { notFound } from '../http/errors.ts';
import type { Step } from '../http/route.ts';
import { looksLikeId } from '../security/random.ts';

export type WebhookRow = NonNullable<Awaited<ReturnType<Db['webhook']['findFirst']>>>;

/** Route step yielding `webhook`: the webhook `:id` of the organization an earlier step loaded; 404 otherwise. */
export function webhookInPath(db: Db): Step<{ webhook: WebhookRow }, { access: { org: { id: string } } }> {
  return async (ctx, { access }) => {
    const id = ctx.params.id ?? '';
    const webhook = looksLikeId(id, 'whk') ? await db.webhook.findFirst({ where: { id, organizationId: access.org.id } }) : null;
    if (!webhook) throw notFound('Webhook not found');
    return { webhook };
  };
}
