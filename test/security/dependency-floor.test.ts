// docs/security.md, B (Dependencies): the dependency floor, read from the lockfile (every installed copy, nested ones
// included, compared with the `semver` package), the @xmldom/xmldom override, the XML-security libraries
// confined by the lint rule (eslint.config.js, no-restricted-imports) and node-forge used for generation
// only, the SP-certificate key floor, and a real XML schema validator registered with samlify at start-up.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import forge from 'node-forge';
import * as samlify from 'samlify';
import { ESLint } from 'eslint';
import semver from 'semver';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.ts';
import { createSamlRuntime } from '../../src/saml/runtime.ts';
import { InvalidationBus } from '../../src/db/invalidation.ts';
import type { Logger } from '../../src/http/log.ts';
import { checkSpCertificate } from '../../src/saml/settings.ts';
import { loadSamlSchemas } from '../../src/saml/xml/schema.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

/** A prerelease of the floor version is below the floor (semver's own ordering). */
const atLeast = (version: string, floor: string): boolean => semver.gte(version, floor);

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
  // The lowest version the range admits; a spec that is not a range (a tag, a URL) pins nothing.
  return semver.validRange(value) ? (semver.minVersion(value)?.version ?? null) : null;
}

describe('dependency floor: versions are compared with semver', () => {
  it('a prerelease of the floor version is below the floor; a later patch is above', () => {
    expect(atLeast('2.13.1-beta.1', '2.13.1')).toBe(false);
    expect(atLeast('2.13.1', '2.13.1')).toBe(true);
    expect(atLeast('1.10.0', '1.9.0')).toBe(true);
    expect(overrideLowerBound('^0.8.15')).toBe('0.8.15');
    expect(overrideLowerBound('latest')).toBeNull();
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
// The XML-security libraries are confined by ESLint's no-restricted-imports (eslint.config.js; CI runs
// `npm run lint`). These tests prove the rule is there and bites, with the project's own configuration
// (its type-aware part switched off: these files do not exist).

const CONFINED = ['node-forge', 'xml-crypto', '@xmldom/xmldom', 'samlify'];

async function restrictedImports(filePath: string, source: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: [{ ...tseslint.configs.disableTypeChecked, languageOptions: { parserOptions: { projectService: false, project: null } } }],
  });
  const [result] = await eslint.lintText(source, { filePath: join(ROOT, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
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

describe('dependency floor: node-forge, xml-crypto, xmldom and samlify stay in src/saml/xml/ and src/security/', () => {
  it.each(CONFINED)('the lint rule refuses %s anywhere else in src/, in every import form', async (name) => {
    for (const source of [`import x from '${name}';`, `import * as x from '${name}';`, `import { y } from '${name}';`, `import z from '${name}/lib/z';`]) {
      expect(await restrictedImports('src/users/not-here.ts', `${source}\nexport const q = 1;\n`), source).toHaveLength(1);
    }
    for (const allowed of ['src/security/here.ts', 'src/saml/xml/here.ts'])
      expect(await restrictedImports(allowed, `import x from '${name}';\nexport const q = x;\n`)).toEqual([]);
  });

  it('node-forge is imported by one file, which generates certificates and never verifies', () => {
    const users = filesUnder(SRC)
      .filter((f) => /\.ts$/.test(f) && readFileSync(f, 'utf8').includes("'node-forge'"))
      .map((f) => relative(SRC, f));
    expect(users).toEqual([join('security', 'certificate.ts')]);
    const text = readFileSync(join(SRC, 'security', 'certificate.ts'), 'utf8');
    expect(text).toMatch(/forge\.pki\.rsa\.generateKeyPair\(/);
    expect(text).not.toMatch(/verify/i);
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

  it('the admin SAML configuration route runs sp_certificate and sp_encryption_certificate through checkSpCertificate', () => {
    const routes = readFileSync(join(SRC, 'saml', 'admin', 'commands.ts'), 'utf8');
    expect(routes).toMatch(/checkSpCertificate\(\s*pem\s*,\s*field\s*\)/);
    expect(routes).toMatch(/checkedCertificate\(\s*body\.sp_certificate\s*,\s*'sp_certificate'\s*\)/);
    expect(routes).toMatch(/checkedCertificate\(\s*body\.sp_encryption_certificate\s*,\s*'sp_encryption_certificate'\s*\)/);
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
