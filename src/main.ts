// `npm start`: load config, start, print where to go next, and stop gracefully on SIGTERM/SIGINT.
// With TESSERA_WORKERS > 1 this process becomes the primary of that many workers (cluster/primary.ts),
// each of which runs the rest of this file.
import './runtime-flags.ts'; // first: V8 settings before any other module runs
import cluster from 'node:cluster';
import { loadConfig, ConfigError, type Config } from './config/index.ts';
import { runPrimary } from './cluster/primary.ts';
import { startServer } from './server.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`tessera: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  if (config.workers > 1 && cluster.isPrimary) {
    await runPrimary(config, config.workers, () => {
      welcome(config);
    });
    return;
  }
  if (cluster.isWorker) {
    await runWorker(config);
    return;
  }
  const running = await startServer(config);
  running.logger.info({ url: config.publicUrl, database: config.databaseUrl.startsWith('file:') ? config.databaseUrl : 'postgresql' }, 'tessera is listening');
  welcome(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    running.close(8000).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
}

/** Where to go next, for whoever started Tessera by hand. */
function welcome(config: Config): void {
  if (!process.stdout.isTTY && config.env === 'production') return;
  console.log(
    `\nTessera is running at ${config.publicUrl}\n` +
      `  Next: create an admin account with\n` +
      `    curl -X POST ${config.publicUrl}/api/auth/register -H 'Content-Type: application/json' -d '{"email":"you@example.com","password":"a long passphrase"}'\n` +
      `  or with the CLI: npx tessera account create --email you@example.com\n` +
      `  Health: ${config.publicUrl}/healthz · README.md lists every endpoint.\n`,
  );
}

/** One of TESSERA_WORKERS' workers: the primary migrated and will say where to go; stop on its SIGTERM. */
async function runWorker(config: Config): Promise<void> {
  const running = await startServer(config, { migrate: false, worker: true });
  process.send?.({ tessera: 'ready', url: running.url });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    running.close(8000).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error('tessera: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
