import { describe, expect, it } from 'vitest';
import { isOwnOrigin } from './origin.ts';

describe('isOwnOrigin', () => {
  it('is PUBLIC_URL’s origin, exactly', () => {
    expect(isOwnOrigin('https://idp.example.com', 'https://idp.example.com/')).toBe(true);
    expect(isOwnOrigin('https://idp.example.com', 'https://idp.example.com/base')).toBe(true);
    for (const o of ['http://idp.example.com', 'https://idp.example.com:8443', 'https://evil.example', 'https://idp.example.com.evil.example', 'null', '']) {
      expect(isOwnOrigin(o, 'https://idp.example.com'), o).toBe(false);
    }
    // A loopback origin is not a public instance's own.
    expect(isOwnOrigin('http://localhost:3000', 'https://idp.example.com')).toBe(false);
  });

  it('on a loopback PUBLIC_URL, accepts the other loopback spellings of the same scheme and port only', () => {
    for (const o of ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']) {
      expect(isOwnOrigin(o, 'http://localhost:3000'), o).toBe(true);
    }
    for (const o of [
      'http://localhost:3001',
      'https://127.0.0.1:3000',
      'http://127.0.0.2:3000',
      'http://localhost.evil.example:3000',
      'http://127.0.0.1:3000/',
      'not a url',
    ]) {
      expect(isOwnOrigin(o, 'http://localhost:3000'), o).toBe(false);
    }
  });
});
