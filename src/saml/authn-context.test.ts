// The ordering of authentication context classes and the four comparisons (docs/security.md, Step-up and AuthnContext).
import { describe, expect, it } from 'vitest';
import { CLASS, acceptableLevels, decide, parseStoredContext, withPolicy } from './authn-context.ts';

const KERBEROS = 'urn:oasis:names:tc:SAML:2.0:ac:classes:Kerberos';

describe('RequestedAuthnContext', () => {
  it.each([
    ['exact', [CLASS.passwordProtected], [1]],
    ['exact', [CLASS.password], [1]],
    ['exact', [CLASS.mfa], [2]],
    ['exact', [CLASS.unspecified], [1, 2]],
    ['exact', [KERBEROS, CLASS.mfa], [2]],
    ['exact', [KERBEROS], []],
    ['minimum', [CLASS.passwordProtected], [1, 2]],
    ['minimum', [CLASS.mfa], [2]],
    ['better', [CLASS.passwordProtected], [2]],
    ['better', [CLASS.mfa], []],
    ['better', [CLASS.unspecified], [1, 2]],
    ['maximum', [CLASS.passwordProtected], [1]],
    ['maximum', [CLASS.mfa], [1, 2]],
    ['maximum', [KERBEROS], []],
  ] as const)('%s %j allows levels %j', (comparison, refs, levels) => {
    expect(acceptableLevels({ comparison, refs: [...refs] })).toEqual(levels);
  });

  it('no request allows both levels; a policy that needs MFA keeps level 2 only', () => {
    expect(acceptableLevels(null)).toEqual([1, 2]);
    expect(withPolicy([1, 2], true)).toEqual([2]);
    expect(withPolicy([1], true)).toEqual([]);
  });

  it('a session answers with the strongest allowed level it reached, steps up below it, and refuses an empty set', () => {
    expect(decide([1, 2], 2)).toEqual({ kind: 'issue', level: 2 });
    expect(decide([1, 2], 1)).toEqual({ kind: 'issue', level: 1 });
    expect(decide([1], 2)).toEqual({ kind: 'issue', level: 1 });
    expect(decide([2], 1)).toEqual({ kind: 'step_up' });
    expect(decide([], 2)).toEqual({ kind: 'unsatisfiable' });
  });

  it('a stored value that does not read back asks for nothing Tessera issues (fail closed)', () => {
    expect(parseStoredContext(null)).toBeNull();
    expect(acceptableLevels(parseStoredContext('{"comparison":"sideways","refs":[]}'))).toEqual([]);
    expect(acceptableLevels(parseStoredContext('not json'))).toEqual([]);
    expect(parseStoredContext(JSON.stringify({ comparison: 'minimum', refs: [CLASS.mfa] }))).toEqual({ comparison: 'minimum', refs: [CLASS.mfa] });
  });
});
