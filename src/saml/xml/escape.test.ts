import { describe, expect, it } from 'vitest';
import { xmlEscape } from './escape.ts';
import { c14nAttr, c14nText } from './canonical-sign.ts';

describe('characters XML does not allow', () => {
  // Rows written before the API refused them (http/validate.ts) must still make a document SPs can parse.
  it.each([xmlEscape, c14nText, c14nAttr])('%o writes U+FFFD for each, and keeps what XML allows', (escape) => {
    expect(escape('a\u0001b\uFFFEc\uFFFFd\uD800e')).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFDe');
    expect(escape('R&D 😀 中 é')).toContain('😀 中 é');
    expect(escape('x\ty')).not.toContain('\uFFFD');
  });
});
