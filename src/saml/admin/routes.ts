// …/services/:service/saml and …/saml/certificate(s) (docs/api.md, SAML configuration).
// Wiring only: the access, lookup and input steps of each route (http/route.ts), a command, a presenter.
import Router from '@koa/router';
import type { Deps } from '../../deps.ts';
import type { AppContext, AppState } from '../../http/context.ts';
import { route } from '../../http/route.ts';
import { body } from '../../http/validate.ts';
import { accessChecks } from '../../authz/access.ts';
import type { SamlRuntime } from '../runtime.ts';
import { applySpMetadata } from '../sp-metadata.ts';
import { CreateCertificate, payloadSchema } from './schemas.ts';
import { activateCertificate, activeCertificate, configureSaml, createCertificate, disableSaml, listCertificates, samlSettings } from './commands.ts';
import { certificateInPath } from './load.ts';
import { spMetadataStep } from './metadata-step.ts';
import { presentCertificate } from './present.ts';
import { actorOf } from '../../audit/index.ts';

export function samlAdminRoutes(deps: Deps, saml: SamlRuntime): Router<AppState, AppContext> {
  const { db, config } = deps;
  const { serviceAccess } = accessChecks(db);
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations/:org/services/:service/saml' });
  // sp_metadata_xml, when sent, fills in the fields the payload leaves out before the payload is checked.
  const payload = body(payloadSchema(config.allowHttpAcs), {
    message: 'Invalid SAML configuration',
    prepare: (raw) => applySpMetadata(raw, config.allowHttpAcs),
  });

  const configure = route(serviceAccess('admin'), spMetadataStep(db, config), payload, async (ctx, { access, service, input, fetchedMetadata }) => {
    await configureSaml(deps, actorOf(ctx), saml, access, service, input, fetchedMetadata);
    ctx.body = { message: 'SAML configuration updated successfully' };
  });
  router.post('/', configure);
  router.put('/', configure);

  router.get(
    '/',
    route(serviceAccess('member'), async (ctx, { access, service }) => {
      ctx.body = await samlSettings(deps, access.org.slug, service);
    }),
  );

  router.delete(
    '/',
    route(serviceAccess('admin'), async (ctx, { service }) => {
      await disableSaml(deps, actorOf(ctx), service);
      ctx.body = { message: 'SAML disabled and every certificate deactivated' };
    }),
  );

  router.post(
    '/certificate',
    route(serviceAccess('admin'), body(CreateCertificate), async (ctx, { access, service, input }) => {
      const row = await createCertificate(deps, actorOf(ctx), saml, access, service, input);
      ctx.status = 201;
      ctx.body = presentCertificate(row);
    }),
  );

  router.get(
    '/certificate',
    route(serviceAccess('member'), async (ctx, { service }) => {
      ctx.body = presentCertificate(await activeCertificate(db, service.id));
    }),
  );

  router.get(
    '/certificates',
    route(serviceAccess('member'), async (ctx, { service }) => {
      const certs = await listCertificates(db, service.id);
      ctx.body = { certificates: certs.map(presentCertificate), total: certs.length };
    }),
  );

  router.post(
    '/certificates/:id/activate',
    route(serviceAccess('admin'), certificateInPath(db), async (ctx, { service, certificate }) => {
      ctx.body = presentCertificate(await activateCertificate(deps, actorOf(ctx), service, certificate.id));
    }),
  );

  return router;
}
