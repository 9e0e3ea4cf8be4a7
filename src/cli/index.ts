// `tessera` — operate a Tessera installation from the shell. Reads the same environment as the server
// (DATABASE_URL, TESSERA_SECRET, PUBLIC_URL…) and migrates the database before any command.
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, ConfigError, type Config } from '../config/index.ts';
import { openDatabase, type Db } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { PERMISSIONS } from '../api-keys/index.ts';
import { AppError } from '../http/errors.ts';
import {
  CliError,
  createAccount,
  resetAccountTotp,
  createApiKeyCli,
  createOrganization,
  createServiceCli,
  passwordLinkCli,
  rotateEncryptionKey,
  setMaxServices,
} from './commands.ts';

async function withDb<T>(work: (db: Db, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  await migrate(config.databaseUrl);
  const database = await openDatabase(config.databaseUrl);
  try {
    return await work(database.prisma, config);
  } finally {
    await database.close();
  }
}

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

const program = new Command('tessera').description('Tessera: SAML 2.0 Identity Provider with an API-key admin plane').showHelpAfterError().exitOverride();

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    const config = loadConfig();
    const applied = await migrate(config.databaseUrl);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  });

const account = program.command('account').description('admin accounts');
account
  .command('create')
  .requiredOption('--email <email>', 'account email')
  .option('--name <name>', 'display name')
  .option('--password <password>', 'password (10–256 chars); generated and printed once when omitted')
  .action(async (o: { email: string; name?: string; password?: string }) =>
    withDb(async (db) => {
      const { account: a, password } = await createAccount(db, {
        email: o.email,
        ...(o.name ? { name: o.name } : {}),
        ...(o.password !== undefined ? { password: o.password } : { password: process.env.TESSERA_PASSWORD }),
      });
      console.log(`created account ${a.id} <${a.email}>`);
      if (password) console.log(`password (shown once): ${password}`);
    }),
  );

account
  .command('reset-totp')
  .description("turn off an account's TOTP (a lost authenticator app); the account signs in with its password again")
  .requiredOption('--email <email>', 'account email')
  .action(async (o: { email: string }) =>
    withDb(async (db) => {
      const a = await resetAccountTotp(db, o.email);
      console.log(`TOTP turned off for ${a.id} <${a.email}>`);
    }),
  );

const org = program.command('org').description('organizations');
org
  .command('create')
  .requiredOption('--slug <slug>', 'URL slug (3–50 chars, a-z 0-9 -)')
  .requiredOption('--name <name>', 'display name')
  .requiredOption('--owner <email>', 'email of the owning admin account')
  .action(async (o: { slug: string; name: string; owner: string }) =>
    withDb(async (db) => {
      const created = await createOrganization(db, o);
      console.log(`created organization ${created.slug} (${created.id})`);
    }),
  );
org
  .command('set-max-services')
  .argument('<slug>', 'organization slug')
  .argument('<max>', 'maximum number of services, or "default"')
  .action(async (slug: string, max: string) =>
    withDb(async (db) => {
      const updated = await setMaxServices(db, slug, max);
      console.log(`${updated.slug}: max_services = ${updated.maxServices ?? 'default'}`);
    }),
  );

program
  .command('service')
  .description('services')
  .command('create')
  .requiredOption('--org <slug>', 'organization slug')
  .requiredOption('--slug <slug>', 'service slug')
  .requiredOption('--name <name>', 'display name')
  .option('--type <type>', 'web | mobile | desktop | cli | api', 'web')
  .action(async (o: { org: string; slug: string; name: string; type: string }) =>
    withDb(async (db) => {
      const s = await createServiceCli(db, o);
      console.log(`created service ${s.slug} (${s.id}), client_id ${s.clientId}`);
    }),
  );

program
  .command('api-key')
  .description('Service API keys')
  .command('create')
  .requiredOption('--org <slug>', 'organization slug')
  .requiredOption('--service <slug>', 'service slug')
  .requiredOption('--permissions <list>', `comma-separated: ${PERMISSIONS.join(',')}`)
  .option('--name <name>', 'key name', 'cli')
  .option('--expires-in-days <n>', '1–3650', positiveInt)
  .option('--environment <env>', 'live | test', 'live')
  .action(async (o: { org: string; service: string; permissions: string; name: string; expiresInDays?: number; environment: string }) =>
    withDb(async (db, config) => {
      const key = await createApiKeyCli(db, config.secret, {
        ...o,
        permissions: o.permissions
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      });
      console.log(`created API key ${key.id} (${key.permissions.join(', ')})`);
      console.log(`key (shown once, store it now): ${key.key}`);
    }),
  );

program
  .command('user')
  .description('the organization user directory')
  .command('password-link')
  .requiredOption('--org <slug>', 'organization slug')
  .requiredOption('--email <email>', 'user email')
  .action(async (o: { org: string; email: string }) =>
    withDb(async (db, config) => {
      const link = await passwordLinkCli(db, config.publicUrl, o);
      console.log(`single-use link (until ${link.expires_at}): ${link.url}`);
    }),
  );

program
  .command('encryption-key')
  .description('the key that encrypts SAML private keys at rest')
  .command('rotate')
  .description(
    're-encrypt every SAML private key from TESSERA_OLD_ENCRYPTION_KEY to TESSERA_ENCRYPTION_KEY (keys are read from the environment, never from arguments)',
  )
  .action(async () =>
    withDb(async (db, config) => {
      const result = await rotateEncryptionKey(db, process.env.TESSERA_OLD_ENCRYPTION_KEY || undefined, config.encryptionKey);
      console.log(
        `re-encrypted ${result.rotated} private key(s); ${result.already} already used the new key; ${result.webhooks} webhook secret(s) re-encrypted; ${result.totpSecrets} TOTP secret(s) re-encrypted`,
      );
    }),
  );

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as { code?: string; exitCode?: number };
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
    process.exitCode = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
  } else if (err instanceof AppError) {
    const detail = err.details?.map((d) => `${d.field}: ${d.message}`).join('; ');
    console.error(`tessera: ${err.message}${detail && !err.message.includes(detail) ? ` (${detail})` : ''}`);
    process.exitCode = 2;
  } else if (err instanceof CliError) {
    console.error(`tessera: ${err.message}`);
    process.exitCode = err.exitCode;
  } else if (err instanceof ConfigError) {
    console.error(`tessera: ${err.message}`);
    process.exitCode = 2;
  } else {
    console.error(`tessera: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
