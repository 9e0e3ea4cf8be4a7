// Runs before `npm test`. The interop tests judge Tessera's XML with independent tools that npm does
// not carry: xmlsec1 (signatures, decryption), xmllint (schemas, from libxml2-utils) and Chromium (the
// browser tests, driven by playwright-core, which never downloads a browser here). When one is missing
// and this machine can install Debian packages (root with apt-get), it installs them; otherwise it stops
// at once with one line naming what to install. It never lets a test skip silently.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  { pkg: 'xmlsec1', present: () => onPath('xmlsec1') },
  { pkg: 'libxml2-utils', present: () => onPath('xmllint') },
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
];

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const missing = needs.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);

const canInstall = process.getuid?.() === 0 && onPath('apt-get');
if (!canInstall) {
  console.error(`tessera tests need Debian packages that are missing: run \`sudo apt-get install -y ${missing.join(' ')}\``);
  process.exit(1);
}
console.error(`tessera: installing ${missing.join(', ')} for the interop tests (apt-get)…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env });
} catch {
  console.error(`tessera: could not install ${missing.join(' ')}; install them with apt-get and run the tests again`);
  process.exit(1);
}
const still = needs.filter((n) => !n.present()).map((n) => n.pkg);
if (still.length) {
  console.error(`tessera: still missing after apt-get: ${still.join(' ')}`);
  process.exit(1);
}
