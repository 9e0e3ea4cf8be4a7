// `npm start`: load config, start, print where to go next, and stop gracefully on SIGTERM/SIGINT.
import { loadConfig, ConfigError } from './config/index.ts';
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
  const running = await startServer(config);
  running.logger.info({ url: config.publicUrl, database: config.databaseUrl.startsWith('file:') ? config.databaseUrl : 'postgresql' }, 'tessera is listening');
  if (process.stdout.isTTY || config.env !== 'production') {
    console.log(
      `\nTessera is running at ${config.publicUrl}\n` +
        `  Next: create an admin account with\n` +
        `    curl -X POST ${config.publicUrl}/api/auth/register -H 'Content-Type: application/json' -d '{"email":"you@example.com","password":"a long passphrase"}'\n` +
        `  or with the CLI: npx tessera account create --email you@example.com\n` +
        `  Health: ${config.publicUrl}/healthz · README.md lists every endpoint.\n`,
    );
  }
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

main().catch((err: unknown) => {
  console.error('tessera: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
