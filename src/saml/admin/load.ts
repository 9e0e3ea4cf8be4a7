import type { Db } from '../../db/client.ts';
import type { Service } from '../../db/models.ts';
import type { AppContext } from '../../http/context.ts';
import { notFound } from '../../http/errors.ts';
import { looksLikeId } from '../../security/random.ts';

/** Route step (http/route.ts) yielding `certificate`: the certificate `:id` of the service an earlier step loaded; 404 otherwise. */
export function certificateInPath(db: Db) {
  return async (ctx: AppContext, { service }: { service: Service }) => {
    const id = ctx.params.id ?? '';
    const certificate = looksLikeId(id, 'cert') ? await db.samlCertificate.findFirst({ where: { id, serviceId: service.id } }) : null;
    if (!certificate) throw notFound('Certificate not found');
    return { certificate };
  };
}
