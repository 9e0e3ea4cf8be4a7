// XML Schema validation with libxmljs2: the SAML 2.0 protocol schema (with assertion, xmldsig and
// xenc imports) is parsed once at start-up; each message validates in a few milliseconds.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import libxml from 'libxmljs2';

export interface SchemaValidator {
  /** null when valid, else the first error. */
  validate(xml: string): string | null;
}

export function loadSamlSchemas(): SchemaValidator {
  const pkg = createRequire(import.meta.url).resolve('@authenio/samlify-xsd-schema-validator/package.json');
  const dir = join(dirname(pkg), 'schemas') + '/';
  const schema = libxml.parseXml(readFileSync(join(dir, 'saml-schema-protocol-2.0.xsd'), 'utf8'), { baseUrl: dir, nonet: true });
  return {
    validate(xml: string): string | null {
      let doc;
      try {
        doc = libxml.parseXml(xml, { nonet: true, noent: false, dtdload: false, dtdvalid: false, huge: false, noblanks: false });
      } catch {
        return 'not well-formed XML';
      }
      if (doc.validate(schema)) return null;
      const first = doc.validationErrors[0];
      return first ? first.message.trim().slice(0, 200) : 'schema validation failed';
    },
  };
}
