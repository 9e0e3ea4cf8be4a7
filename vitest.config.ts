import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // The console suites need dist/console/ up to date with console/, and the suites that start Tessera or
    // its CLI as processes need dist/src/ up to date with src/ (each rebuilt only when stale).
    globalSetup: ['test/helpers/console-build.ts', 'test/helpers/server-build.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // The suite hashes and checks thousands of passwords: at argon2id's smallest recommended cost
    // (src/security/password-cost.ts), ~45 ms of CPU each instead of the default's ~350 ms. Servers the
    // tests start as processes inherit it. The cost setting itself is tested in passwords.test.ts.
    env: { TESSERA_ARGON2: 'm=19456,p=1,t=2' },
  },
});
