// One way to answer for a static file held in memory (the console's bundle, the /docs page's scripts):
// its name carries its content hash, so it is cached for a year; revalidation by ETag; gzip when the
// client takes it (both forms were prepared once, at load).
import type { AppContext } from './context.ts';

export interface StaticAsset {
  type: string;
  etag: string;
  body: Buffer;
  gzipped: Buffer;
}

export function sendStaticAsset(ctx: AppContext, asset: StaticAsset): void {
  ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
  ctx.set('Vary', 'Accept-Encoding');
  ctx.type = asset.type;
  ctx.etag = asset.etag;
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  const gzipped = ctx.acceptsEncodings('gzip', 'identity') === 'gzip';
  if (gzipped) ctx.set('Content-Encoding', 'gzip');
  ctx.body = gzipped ? asset.gzipped : asset.body;
}
