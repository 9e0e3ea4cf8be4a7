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
  },
});
