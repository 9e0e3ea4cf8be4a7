// npm run dev: the server under `tsx watch` and the console under `vite build --watch`, side by side;
// Ctrl-C (or either one exiting) stops both.
import { spawn } from 'node:child_process';

const children = [
  spawn('npx', ['vite', 'build', 'console', '--watch'], { stdio: 'inherit' }),
  spawn('npx', ['tsx', 'watch', 'src/main.ts'], { stdio: 'inherit' }),
];
let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exitCode = code;
}
for (const child of children) child.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
