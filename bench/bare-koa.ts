// The baseline: a bare Koa app answering {} — what this machine can do with no work per request.
import Koa from 'koa';

const app = new Koa();
app.use((ctx) => {
  ctx.body = {};
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  if (addr && typeof addr === 'object') process.stdout.write(`LISTENING ${addr.port}\n`);
});
// Exit through process.exit so a CPU profile (BENCH_PROFILE) is written.
process.once('SIGTERM', () => process.exit(0));
