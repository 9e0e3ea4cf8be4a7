// /api/auth: register, login, refresh, logout, me (docs/api.md, Admin accounts).
import Router from '@koa/router';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { AppState, AppContext } from '../http/context.ts';
import { conflict, forbidden, unauthorized } from '../http/errors.ts';
import { Email, Name, Password, validate } from '../http/validate.ts';
import { iso } from '../http/present.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { hashPassword, verifyPassword } from '../security/passwords.ts';
import { newId } from '../security/random.ts';
import { clientIp } from '../http/client-ip.ts';
import { endSession, jwtKey, rotateRefresh, startSession } from './sessions.ts';
import { accountId, requireAccount } from './middleware.ts';

export const RegisterBody = z.strictObject({ email: Email, password: Password, name: Name.optional() });
export const LoginBody = z.strictObject({ email: z.string().max(254), password: z.string().max(256) });
export const RefreshBody = z.strictObject({ refresh_token: z.string().min(1).max(512) });

export function presentAccount(a: { id: string; email: string; name: string | null; createdAt: Date }) {
  return { id: a.id, email: a.email, name: a.name, created_at: iso(a.createdAt) };
}

export function authRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db, config, limits } = deps;
  const key = jwtKey(config.secret);
  const router = new Router<AppState, AppContext>({ prefix: '/api/auth' });

  router.post('/register', async (ctx) => {
    if (config.registration === 'closed') throw forbidden('Registration is closed on this server');
    // Counted before anything else: every attempt costs the server, valid or not.
    await limits.registerIp.consume(clientIp(ctx, config.trustProxy));
    const body = validate(RegisterBody, ctx.request.body);
    const passwordHash = await hashPassword(body.password);
    let account;
    try {
      account = await db.account.create({ data: { id: newId('acct'), email: body.email, name: body.name ?? null, passwordHash } });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('An account with this email already exists');
      throw err;
    }
    const tokens = await startSession(db, key, account.id);
    ctx.status = 201;
    ctx.body = { account: presentAccount(account), ...tokens };
  });

  router.post('/login', async (ctx) => {
    const body = validate(LoginBody, ctx.request.body);
    const email = body.email.trim().toLowerCase();
    await limits.loginIp.consume(clientIp(ctx, config.trustProxy));
    await limits.loginEmail.consume(email);
    const account = await db.account.findUnique({ where: { email } });
    const ok = await verifyPassword(account?.passwordHash, body.password);
    if (!account || !ok) throw unauthorized('Invalid email or password');
    await limits.loginEmail.reset(email);
    ctx.body = await startSession(db, key, account.id);
  });

  router.post('/refresh', async (ctx) => {
    const body = validate(RefreshBody, ctx.request.body);
    ctx.body = await rotateRefresh(db, key, body.refresh_token);
  });

  router.post('/logout', async (ctx) => {
    const body = validate(RefreshBody, ctx.request.body);
    await endSession(db, body.refresh_token);
    ctx.status = 204;
  });

  router.get('/me', requireAccount(deps), async (ctx) => {
    const id = accountId(ctx);
    const account = await db.account.findUnique({ where: { id }, include: { memberships: { include: { organization: true }, orderBy: { createdAt: 'asc' } } } });
    if (!account) throw unauthorized();
    ctx.body = {
      account: presentAccount(account),
      organizations: account.memberships.map((m) => ({ id: m.organization.id, slug: m.organization.slug, name: m.organization.name, role: m.role })),
    };
  });

  return router;
}
