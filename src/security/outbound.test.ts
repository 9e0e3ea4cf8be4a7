import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkOutboundUrl, isPublicAddress, OutboundError, requestOutbound } from './outbound.ts';

describe('outbound address rules', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a00:1',
    '::7f00:1', // https://[::127.0.0.1]/ as the URL parser writes it
    '::a00:1',
    '::ffff:0:7f00:1',
    'fec0::1',
    '2002:7f00:1::1',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('refuses http, credentials and private literals unless private addresses are allowed', async () => {
    const reason = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: unknown) => (e instanceof OutboundError ? e.reason : 'other'),
      );
    expect(await reason(checkOutboundUrl('http://8.8.8.8/x', false))).toBe('scheme');
    expect(await reason(checkOutboundUrl('https://user:pw@8.8.8.8/x', false))).toBe('credentials');
    expect(await reason(checkOutboundUrl('https://127.0.0.1/x', false))).toBe('private_address');
    expect(await reason(checkOutboundUrl('https://[::1]/x', false))).toBe('private_address');
    expect(await reason(checkOutboundUrl('https://localhost/x', false))).toBe('private_address');
    expect(await reason(checkOutboundUrl('not a url', false))).toBe('invalid_url');
    expect(await reason(checkOutboundUrl('http://127.0.0.1:9/x', true))).toBe('ok');
  });

  it("a failed connection is told by its code, never by OpenSSL's message (its source paths)", async () => {
    // https to a server that speaks plain http: OpenSSL's "wrong version number" with its file and line.
    const plain = createServer((_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const { port } = plain.address() as AddressInfo;
    try {
      const failure = await requestOutbound(`https://127.0.0.1:${String(port)}/`, { allowPrivate: true, maxBytes: 1024, timeoutMs: 5000 }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(OutboundError);
      const e = failure as OutboundError;
      expect(e.reason).toBe('network');
      expect(e.message).toMatch(/TLS handshake failed/);
      expect(e.message).not.toMatch(/openssl|ssl3|\.c:\d|0A0/i);
      const refused = await requestOutbound('http://127.0.0.1:9/', { allowPrivate: true, maxBytes: 1024, timeoutMs: 5000 }).catch((err: unknown) => err);
      expect((refused as OutboundError).message).toBe('The connection failed: the connection was refused (ECONNREFUSED)');
    } finally {
      plain.close();
    }
  });

  it('a status-only request is answered by its status, whatever the body: too large, or slower than the limit', async () => {
    const big = Buffer.alloc(200_000, 'x');
    const server = createServer((req, res) => {
      if (req.url === '/big') res.end(big);
      else {
        // The status line and headers at once, then a body that never ends.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    const limits = { allowPrivate: true, maxBytes: 65_536, timeoutMs: 1_000 };
    const reason = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: unknown) => (e instanceof OutboundError ? e.reason : 'other'),
      );
    try {
      // Read whole, both fail; by status, both are the 200 the receiver sent, within the time limit.
      expect(await reason(requestOutbound(`${base}/big`, limits))).toBe('too_large');
      expect(await reason(requestOutbound(`${base}/slow`, limits))).toBe('timeout');
      const started = performance.now();
      expect((await requestOutbound(`${base}/big`, { ...limits, statusOnly: true })).status).toBe(200);
      expect((await requestOutbound(`${base}/slow`, { ...limits, statusOnly: true, keepAlive: true })).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(900);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
