// XML Schema validation with libxml2 (libxml2-wasm): the SAML 2.0 protocol schema, with its assertion,
// xmldsig and xenc imports, is compiled once at start-up and kept; each message is then parsed and
// validated against the compiled schema in tens of microseconds. (libxmljs2 has no compiled-schema
// API and recompiled all four schemas on every call: ~1.7 ms per message.)
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as samlify from 'samlify';
import { ParseOption, XmlBufferInputProvider, XmlDocument, XmlError, XsdValidator, xmlCleanupInputProvider, xmlRegisterInputProvider } from 'libxml2-wasm';

export interface SchemaValidator {
  /** null when valid, else the first error. */
  validate(xml: string): string | null;
}

/** Untrusted input: no network, no external entities or DTDs, no entity substitution. */
const UNTRUSTED = { option: ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_NOERROR | ParseOption.XML_PARSE_NOWARNING };

let compiled: XsdValidator | undefined;

function schemaDirectory(): string {
  const pkg = createRequire(import.meta.url).resolve('@authenio/samlify-xsd-schema-validator/package.json');
  return join(dirname(pkg), 'schemas') + '/';
}

/**
 * Compiles the protocol schema. Its imports are served from memory by an input provider registered
 * only for the compilation and removed right after, so no message parsed later can read any file.
 */
function compile(): XsdValidator {
  const dir = schemaDirectory();
  const files: Record<string, Uint8Array> = {};
  for (const name of readdirSync(dir)) if (name.endsWith('.xsd') || name.endsWith('.dtd')) files[dir + name] = readFileSync(dir + name);
  const main = dir + 'saml-schema-protocol-2.0.xsd';
  const source = files[main];
  if (!source) throw new Error(`SAML protocol schema not found in ${dir}`);
  xmlRegisterInputProvider(new XmlBufferInputProvider(files));
  try {
    const doc = XmlDocument.fromBuffer(source, { url: main });
    try {
      return XsdValidator.fromDoc(doc);
    } finally {
      doc.dispose();
    }
  } finally {
    xmlCleanupInputProvider();
  }
}

function firstLine(message: string): string {
  return message.trim().split('\n')[0]?.slice(0, 200) || 'schema validation failed';
}

export function loadSamlSchemas(): SchemaValidator {
  return {
    validate(xml: string): string | null {
      // One compiled schema per process, built by the first message: it is immutable once built and
      // compiling takes ~20 ms, but it holds ~35 MiB of libxml2 memory that a server with no SAML
      // traffic (or one just started) need not carry.
      compiled ??= compile();
      const schema = compiled;
      let doc: XmlDocument;
      try {
        doc = XmlDocument.fromString(xml, UNTRUSTED);
      } catch {
        return 'not well-formed XML';
      }
      try {
        schema.validate(doc);
        return null;
      } catch (err) {
        return err instanceof XmlError ? firstLine(err.message) : 'schema validation failed';
      } finally {
        doc.dispose();
      }
    },
  };
}

/**
 * samlify is given the same real validator (never a no-op), so nothing it would parse goes unvalidated
 * should a future change hand it a message.
 */
export function registerWithSamlify(schema: SchemaValidator): void {
  samlify.setSchemaValidator({
    validate: (xml: string) => {
      const err = schema.validate(xml);
      return err ? Promise.reject(new Error(err)) : Promise.resolve('valid');
    },
  });
}
