import type { AppContext } from './context.ts';

/** The client address; X-Forwarded-For is believed only when TRUST_PROXY=true. */
export function clientIp(ctx: AppContext, trustProxy: boolean): string {
  if (trustProxy) {
    const first = ctx.get('x-forwarded-for').split(',')[0]?.trim();
    if (first) return first;
  }
  return ctx.req.socket.remoteAddress ?? 'unknown';
}
