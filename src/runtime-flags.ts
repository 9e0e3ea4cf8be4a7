// V8 settings for the server process. Imported first by main.ts, so they apply before any other module
// is evaluated (ES modules run their imports in order) and before any WebAssembly module is instantiated.
//
// WebAssembly tier-up budget. Prisma's query compiler (~4.4 MB of wasm) and libxml2 run first in V8's
// baseline compiler and are recompiled by the optimising one once a function has executed about
// "budget" bytes. With V8's default budget, Prisma's first queries at start-up already exceed it for
// hundreds of functions, and their optimised recompilation leaves about 55 MiB more resident memory on
// an idle server (measured 2026-12-05: 211 MiB idle with the default, 142 MiB with this budget). A
// budget 55 times larger changes nothing in steady state: the functions a busy server runs still reach
// it within seconds of load (npm run bench measures the hot paths after its warm-up); only the ones run
// a few times at start-up stay in baseline code.
import { setFlagsFromString } from 'node:v8';

export const WASM_TIERING_BUDGET = 100_000_000;
setFlagsFromString(`--wasm-tiering-budget=${String(WASM_TIERING_BUDGET)}`);
