// The NameID formats Tessera issues, and which of them take their value from a name_id_source. No imports:
// the console bundles this file as it is (console/src/views/saml-settings.tsx), so the two cannot drift.
export const NAME_ID_FORMATS = {
  email: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
} as const;

/** The formats whose NameID an admin may source (persistent and transient are Tessera's own values). */
export const SOURCED_FORMATS: readonly string[] = [NAME_ID_FORMATS.email, NAME_ID_FORMATS.unspecified];

/** Whether a NameID of `format` may come from a name_id_source: the one rule for the API, a refresh, the stored row and the console. */
export const formatTakesSource = (format: string): boolean => SOURCED_FORMATS.includes(format);
