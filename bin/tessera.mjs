#!/usr/bin/env node
// The `tessera` command. The sources (and the generated Prisma client) are TypeScript; tsx runs them.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
