// Builds the console (src/) into dist/console/, served by the Koa app at /console (src/web/console.ts).
// Run as `vite build console`: the root is this folder, so paths below are relative to it.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  base: '/console/',
  plugins: [preact()],
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    // Everything as files of this origin: the CSP allows no data: URLs and no inline code.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  logLevel: 'warn',
});
