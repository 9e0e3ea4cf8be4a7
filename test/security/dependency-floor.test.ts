// docs/security.md, B (Dependencies): the dependency floor, read from the lockfile (every installed copy, nested ones
// included), the @xmldom/xmldom override, node-forge confined to key/certificate generation (checked on
// the TypeScript syntax tree of every file under src/), the SP-certificate key floor, and a real XML
// schema validator registered with samlify at start-up.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import forge from 'node-forge';
import * as samlify from 'samlify';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.ts';
import { createSamlRuntime } from '../../src/saml/runtime.ts';
import { InvalidationBus } from '../../src/db/invalidation.ts';
import type { Logger } from '../../src/http/log.ts';
import { checkSpCertificate } from '../../src/saml/settings.ts';
import { loadSamlSchemas } from '../../src/saml/xml/schema.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

// ---------------------------------------------------------------------------------------------------
// A tiny semver: numeric major.minor.patch, an optional prerelease (sorts lower than the release),
// build metadata ignored.

interface Version {
  major: number;
  minor: number;
  patch: number;
  prerelease: string[];
}

function parseVersion(text: string): Version {
  const m = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text.trim());
  if (!m) throw new Error(`not a semver version: ${JSON.stringify(text)}`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] ? m[4].split('.') : [] };
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an) return -1; // numeric identifiers sort before alphanumeric ones
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (const k of ['major', 'minor', 'patch'] as const) if (x[k] !== y[k]) return Math.sign(x[k] - y[k]);
  if (x.prerelease.length === 0 || y.prerelease.length === 0) return Math.sign(y.prerelease.length - x.prerelease.length);
  for (let i = 0; i < Math.max(x.prerelease.length, y.prerelease.length); i++) {
    const p = x.prerelease[i];
    const q = y.prerelease[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const c = compareIdentifiers(p, q);
    if (c !== 0) return c;
  }
  return 0;
}

const atLeast = (version: string, floor: string): boolean => compareVersions(version, floor) >= 0;

// ---------------------------------------------------------------------------------------------------
// The lockfile.

interface LockEntry {
  version?: string;
  name?: string;
  link?: boolean;
  resolved?: string;
}
interface Lockfile {
  lockfileVersion: number;
  packages?: Record<string, LockEntry>;
}
interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides?: Record<string, unknown>;
}

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

interface InstalledCopy {
  key: string;
  version: string | undefined;
}

/** Every installed copy of `name`: top-level, nested under other packages, and npm aliases of it. */
function installedCopies(name: string): InstalledCopy[] {
  const out: InstalledCopy[] = [];
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    const at = key.lastIndexOf('node_modules/');
    if (at === -1) continue; // the root project ("") or a workspace folder
    const folderName = key.slice(at + 'node_modules/'.length);
    const realName = entry.name ?? folderName; // an alias ("x": "npm:samlify@…") records the real name
    if (realName === name) out.push({ key, version: entry.version });
  }
  return out;
}

const FLOOR: [name: string, floor: string][] = [
  ['samlify', '2.13.1'],
  ['xml-crypto', '6.1.2'],
  ['@xmldom/xmldom', '0.8.13'],
  ['node-forge', '1.4.0'],
  ['koa', '3.0.1'],
  ['@koa/router', '13.0.1'],
];

/** The lowest version an override spec can resolve to; null when it does not pin a lower bound. */
function overrideLowerBound(spec: unknown): string | null {
  let value = spec;
  if (value !== null && typeof value === 'object') value = (value as Record<string, unknown>)['.'];
  if (typeof value !== 'string') return null;
  if (value.startsWith('$')) {
    // npm: "$name" refers to the root package's own dependency spec for that name.
    const ref = value.slice(1);
    value = pkg.dependencies?.[ref] ?? pkg.devDependencies?.[ref];
    if (typeof value !== 'string') return null;
  }
  const m = /^(?:\^|~|>=|=)?\s*(v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(value.trim());
  if (!m?.[1]) return null;
  try {
    parseVersion(m[1]);
  } catch {
    return null;
  }
  return m[1];
}

describe('dependency floor: a tiny semver', () => {
  it.each([
    ['1.4.0', '1.4.0', 0],
    ['1.4.3', '1.4.0', 1],
    ['1.3.99', '1.4.0', -1],
    ['1.10.0', '1.9.0', 1],
    ['2.0.0', '10.0.0', -1],
    ['1.4.0-rc.1', '1.4.0', -1],
    ['1.4.0', '1.4.0-rc.1', 1],
    ['1.4.0-alpha', '1.4.0-beta', -1],
    ['1.4.0-rc.2', '1.4.0-rc.10', -1],
    ['1.4.0-1', '1.4.0-alpha', -1],
    ['1.4.0-rc', '1.4.0-rc.1', -1],
    ['1.4.0+build.5', '1.4.0', 0],
  ])('%s vs %s → %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });

  it('a prerelease of the floor version is below the floor', () => {
    expect(atLeast('2.13.1-beta.1', '2.13.1')).toBe(false);
    expect(atLeast('2.13.1', '2.13.1')).toBe(true);
  });

  it('refuses what is not a version', () => {
    expect(() => parseVersion('1.4')).toThrow();
    expect(() => parseVersion('latest')).toThrow();
    expect(() => parseVersion('01.2.3')).toThrow();
  });
});

describe('dependency floor: package-lock.json', () => {
  it('is a lockfile with the "packages" map (lockfileVersion >= 2)', () => {
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    expect(Object.keys(lock.packages ?? {}).length).toBeGreaterThan(0);
  });

  it.each(FLOOR)('every installed copy of %s is >= %s', (name, floor) => {
    const copies = installedCopies(name);
    expect(copies.length, `${name} is not in package-lock.json at all`).toBeGreaterThan(0);
    const below = copies.filter((c) => c.version === undefined || !atLeast(c.version, floor)).map((c) => `${c.key}@${c.version ?? '(no version)'}`);
    expect(below, `copies of ${name} below ${floor}`).toEqual([]);
  });

  it('package.json forces @xmldom/xmldom >= 0.8.13 through "overrides"', () => {
    const spec = pkg.overrides?.['@xmldom/xmldom'];
    expect(spec, 'package.json has no overrides entry for @xmldom/xmldom').toBeDefined();
    const lower = overrideLowerBound(spec);
    expect(lower, `override ${JSON.stringify(spec)} does not pin a version`).not.toBeNull();
    expect(atLeast(lower ?? '0.0.0', '0.8.13'), `override resolves to ${lower ?? '?'}`).toBe(true);
  });

  it('the unscoped, unmaintained "xmldom" package (pre-rename) is not installed anywhere', () => {
    expect(installedCopies('xmldom').map((c) => c.key)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------
// node-forge: generation only. Every file under src/ that mentions node-forge is parsed with the
// TypeScript compiler; each value use of an imported forge binding must be a call of an allow-listed
// generation API, and no `.verify(` may be called in such a file (on forge or on objects it returned).

const FORGE_ALLOWED_CALLS = new Set([
  'forge.pki.rsa.generateKeyPair',
  'forge.pki.createCertificate',
  'forge.pki.certificateToPem',
  'forge.pki.privateKeyToPem',
  'forge.pki.publicKeyToPem',
  'forge.md.sha256.create',
]);

interface ForgeReport {
  calls: string[];
  violations: string[];
}

function forgeUsage(fileName: string, text: string): ForgeReport {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const roots = new Map<string, string>(); // local binding → canonical path ("forge", "forge.pki", …)
  const calls: string[] = [];
  const violations: string[] = [];
  const where = (n: ts.Node) => `${fileName}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
  const isForgeModule = (s: string) => s === 'node-forge' || s.startsWith('node-forge/');

  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && isForgeModule(st.moduleSpecifier.text)) {
      if (st.moduleSpecifier.text !== 'node-forge') violations.push(`${where(st)} imports a node-forge internal module (${st.moduleSpecifier.text})`);
      const clause = st.importClause;
      if (!clause) continue;
      if (clause.name) roots.set(clause.name.text, 'forge');
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) roots.set(nb.name.text, 'forge');
      if (nb && ts.isNamedImports(nb)) {
        for (const el of nb.elements) roots.set(el.name.text, el.propertyName?.text === 'default' ? 'forge' : `forge.${(el.propertyName ?? el.name).text}`);
      }
    }
  }

  const visit = (node: ts.Node): void => {
    // Any other way of reaching node-forge (require, dynamic import, createRequire, re-export) is refused.
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && isForgeModule(node.text)) {
      const parent = node.parent;
      if (!(ts.isImportDeclaration(parent) && parent.moduleSpecifier === node))
        violations.push(`${where(node)} reaches node-forge other than by a static import`);
    }
    // `.verify(` / `["verify"](` anywhere in a file that uses forge.
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isPropertyAccessExpression(callee)
        ? callee.name.text
        : ts.isElementAccessExpression(callee) && ts.isStringLiteralLike(callee.argumentExpression)
          ? callee.argumentExpression.text
          : null;
      if (name !== null && /verify/i.test(name)) violations.push(`${where(node)} calls .${name}( in a file that uses node-forge`);
    }
    if (ts.isIdentifier(node) && roots.has(node.text)) checkForgeReference(node);
    ts.forEachChild(node, visit);
  };

  const checkForgeReference = (id: ts.Identifier): void => {
    const parent = id.parent;
    // Declarations and property names are not references to the binding.
    if (ts.isImportClause(parent) || ts.isImportSpecifier(parent) || ts.isNamespaceImport(parent)) return;
    if (ts.isPropertyAccessExpression(parent) && parent.name === id) return;
    if (
      (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertySignature(parent) || ts.isMethodDeclaration(parent)) &&
      parent.name === id
    )
      return;
    if (ts.isQualifiedName(parent) || ts.isTypeReferenceNode(parent) || ts.isTypeQueryNode(parent)) return; // types only: no runtime effect
    let path = roots.get(id.text) ?? 'forge';
    let top: ts.Expression = id;
    while (ts.isPropertyAccessExpression(top.parent) && top.parent.expression === top) {
      path += `.${top.parent.name.text}`;
      top = top.parent;
    }
    const up = top.parent;
    if (ts.isElementAccessExpression(up) && up.expression === top) {
      violations.push(`${where(top)} computed access on ${path}[…]`);
      return;
    }
    const called = (ts.isCallExpression(up) || ts.isNewExpression(up)) && up.expression === top;
    if (!called) {
      violations.push(`${where(top)} ${path} used as a value (aliases escape this check): call an allowed API directly`);
      return;
    }
    calls.push(path);
    if (/verify/i.test(path)) violations.push(`${where(top)} ${path}( verifies through node-forge: use node:crypto or xml-crypto`);
    else if (!FORGE_ALLOWED_CALLS.has(path)) violations.push(`${where(top)} ${path}( is not an allowed node-forge generation API`);
  };

  visit(sf);
  return { calls, violations };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

describe('dependency floor: node-forge generates keys and certificates, never verifies', () => {
  it('the checker itself catches verification, aliases and other ways in', () => {
    const clean = forgeUsage(
      'ok.ts',
      `import forge from 'node-forge';
      // forge.pki.verify( in a comment is not code
      const k = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
      const c = forge.pki.createCertificate(); c.sign(k.privateKey, forge.md.sha256.create());
      let t: forge.pki.Certificate | undefined;
      export const pem = forge.pki.certificateToPem(c);`,
    );
    expect(clean.violations).toEqual([]);
    expect(clean.calls).toEqual(['forge.pki.rsa.generateKeyPair', 'forge.pki.createCertificate', 'forge.md.sha256.create', 'forge.pki.certificateToPem']);

    const bad: [string, string][] = [
      ['method on a forge object', `import forge from 'node-forge'; const c = forge.pki.createCertificate(); c.verify(c);`],
      ['public key verify', `import forge from 'node-forge'; const k = forge.pki.rsa.generateKeyPair({ bits: 2048 }); k.publicKey.verify('a', 'b');`],
      ['forge API not allowed', `import forge from 'node-forge'; forge.pki.certificateFromPem(p);`],
      ['namespace import', `import * as f from 'node-forge'; f.pki.verifyCertificateChain(store, chain);`],
      ['named import', `import { pki } from 'node-forge'; pki.publicKeyFromPem(p);`],
      ['alias', `import forge from 'node-forge'; const p = forge.pki; p.createCertificate();`],
      ['destructuring', `import forge from 'node-forge'; const { pki } = forge;`],
      ['computed access', `import forge from 'node-forge'; forge.pki['verify'](x);`],
      ['require', `const forge = require('node-forge'); forge.pki.createCertificate();`],
      ['dynamic import', `const forge = await import('node-forge');`],
      ['re-export', `export { default as f } from 'node-forge';`],
      ['internal module', `import rsa from 'node-forge/lib/rsa';`],
    ];
    for (const [what, source] of bad) expect(forgeUsage('bad.ts', source).violations, what).not.toEqual([]);
  });

  it('every file under src/ uses node-forge only through the allowed generation APIs', () => {
    const files = filesUnder(SRC).filter((f) => /\.(?:[cm]?[jt]sx?)$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    const violations: string[] = [];
    const calls = new Set<string>();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (!text.includes('node-forge')) continue; // no file can reach node-forge without naming it
      const report = forgeUsage(relative(ROOT, file), text);
      violations.push(...report.violations);
      for (const c of report.calls) calls.add(c);
    }
    expect(violations).toEqual([]);
    // Not vacuous: the certificate generator is found and analysed.
    expect([...calls]).toContain('forge.pki.rsa.generateKeyPair');
  });

  it('SAML signatures are verified with node:crypto and xml-crypto', () => {
    const sig = readFileSync(join(SRC, 'saml', 'xml', 'signature.ts'), 'utf8');
    expect(sig).toMatch(/import\s*\{[^}]*\bverify\b[^}]*\}\s*from\s*'node:crypto'/);
    expect(sig).toMatch(/from\s*'xml-crypto'/);
    expect(sig).not.toContain('node-forge');
  });
});

// ---------------------------------------------------------------------------------------------------
// SP certificates: RSA >= 2048 bits and e = 65537 (certificates generated with node-forge, which is
// allowed in tests).

function selfSignedCertificate(bits: number, e: number): string {
  const keys = forge.pki.rsa.generateKeyPair({ bits, e });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600_000);
  const attrs = [{ name: 'commonName', value: `sp-${bits}-e${e}.example.com` }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

describe('dependency floor: SP certificate key strength (checkSpCertificate)', () => {
  it('refuses a 1024-bit RSA key', () => {
    const r = checkSpCertificate(selfSignedCertificate(1024, 65537));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/2048/);
  });

  it('refuses an RSA key with e = 3', () => {
    const r = checkSpCertificate(selfSignedCertificate(2048, 3));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/65537/);
  });

  it('accepts a 2048-bit RSA key with e = 65537 (the refusals come from the key, not the format)', () => {
    const r = checkSpCertificate(selfSignedCertificate(2048, 65537));
    expect(r.ok).toBe(true);
  });

  it('the admin SAML configuration route runs sp_certificate through checkSpCertificate', () => {
    const routes = readFileSync(join(SRC, 'saml', 'admin', 'commands.ts'), 'utf8');
    expect(routes).toMatch(/checkSpCertificate\(\s*spCertificate\s*\)/);
  });
});

// ---------------------------------------------------------------------------------------------------
// A real schema validator, registered with samlify at start-up.

const VALID_AUTHN_REQUEST =
  '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ' +
  'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_f3c1a9d0e5b24c7e" Version="2.0" ' +
  'IssueInstant="2026-01-10T08:00:00Z" Destination="https://idp.example.com/saml/acme/crm/sso" ' +
  'AssertionConsumerServiceURL="https://sp.example.com/saml/acs" ' +
  'ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">' +
  '<saml:Issuer>https://sp.example.com/metadata</saml:Issuer>' +
  '<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/>' +
  '</samlp:AuthnRequest>';

const INVALID_AUTHN_REQUESTS: [string, string][] = [
  ['a bogus attribute', VALID_AUTHN_REQUEST.replace('Version="2.0"', 'Version="2.0" Bogus="1"')],
  ['no ID', VALID_AUTHN_REQUEST.replace('ID="_f3c1a9d0e5b24c7e" ', '')],
  ['an unknown child element', VALID_AUTHN_REQUEST.replace('</samlp:AuthnRequest>', '<samlp:Whatever/></samlp:AuthnRequest>')],
  [
    'children out of schema order',
    VALID_AUTHN_REQUEST.replace(
      '<saml:Issuer>https://sp.example.com/metadata</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/>',
      '<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/><saml:Issuer>https://sp.example.com/metadata</saml:Issuer>',
    ),
  ],
  ['an IssueInstant that is not a dateTime', VALID_AUTHN_REQUEST.replace('2026-01-10T08:00:00Z', 'yesterday')],
  ['XML that is not well-formed', VALID_AUTHN_REQUEST.replace('</samlp:AuthnRequest>', '')],
];

describe('dependency floor: XML schema validation', () => {
  const schema = loadSamlSchemas();

  it('the validator accepts a valid AuthnRequest', () => {
    expect(schema.validate(VALID_AUTHN_REQUEST)).toBeNull();
  });

  it('the refusal names the offending attribute', () => {
    expect(schema.validate(VALID_AUTHN_REQUEST.replace('Version="2.0"', 'Version="2.0" Bogus="1"'))).toMatch(/Bogus/);
  });

  it.each(INVALID_AUTHN_REQUESTS)('the validator refuses an AuthnRequest with %s', (_what, xml) => {
    const err = schema.validate(xml);
    expect(typeof err).toBe('string');
    expect(err).not.toBe('');
  });

  it('the SAML runtime registers the real validator with samlify (src/saml/xml/schema.ts), never a no-op', () => {
    expect(readFileSync(join(SRC, 'saml', 'runtime.ts'), 'utf8')).toMatch(/loadSamlSchemas\(\)[^]*registerWithSamlify\(schema\)/);
    const runtime = readFileSync(join(SRC, 'saml', 'xml', 'schema.ts'), 'utf8');
    expect(runtime).toMatch(/samlify\.setSchemaValidator\(/);
    expect(runtime).toMatch(/setSchemaValidator\(\{[^]*?schema\.validate\(/);
    for (const noop of [
      /validate\s*:\s*(?:async\s*)?\([^)]*\)\s*=>\s*Promise\.resolve/,
      /validate\s*:\s*(?:async\s*)?\([^)]*\)\s*=>\s*(?:true|null|undefined|'valid'|"valid"|`valid`)/,
      /validate\s*:\s*(?:async\s*)?\([^)]*\)\s*=>\s*\{\s*(?:return\s*[^;]*;?\s*)?\}/,
      /validate\s*\([^)]*\)\s*\{\s*(?:return\s*[^;]*;?\s*)?\}/,
    ])
      expect(runtime).not.toMatch(noop);
  });

  it('after createSamlRuntime, samlify itself refuses invalid XML and accepts a valid AuthnRequest', async () => {
    // The runtime touches only these at construction; nothing here reaches a database or Redis.
    const logger = { warn: () => undefined, error: () => undefined, info: () => undefined } as unknown as Logger;
    const deps = {
      config: { encryptionKey: 'dependency-floor-test-encryption-key-0123456789' },
      db: {},
      database: {},
      invalidation: new InvalidationBus(undefined, logger),
      redis: undefined,
      logger,
    } as unknown as Deps;
    createSamlRuntime(deps);
    await expect(samlify.SamlLib.isValidXml(VALID_AUTHN_REQUEST)).resolves.toBeDefined();
    for (const [what, xml] of INVALID_AUTHN_REQUESTS) {
      await expect(samlify.SamlLib.isValidXml(xml), what).rejects.toThrow();
    }
  });
});
