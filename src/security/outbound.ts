// Requests Tessera makes to addresses other people chose (webhook receivers, SP metadata URLs):
// the one place that decides where such a request may go (SECURITY.md E.44).
//  - https only; plain http only with allowPrivate (development and tests);
//  - every address the name resolves to must be public: loopback, private, link-local, CGNAT,
//    documentation, multicast and cloud-metadata ranges are refused, IPv4-mapped IPv6 included;
//  - the check runs again at every request (a webhook delivery round checks each URL once for all of
//    its deliveries, `checked`), and the connection goes to the address that was checked (the
//    socket's lookup is pinned), so a DNS answer that changes between check and connect (rebinding)
//    cannot reach an internal host;
//  - redirects are never followed (the 3xx is returned to the caller, who treats it as a failure);
//  - with keepAlive (webhook deliveries), connections are reused, but only among requests checked to
//    the same address: a receiver answering many deliveries pays one TCP (and TLS) handshake, not one each;
//  - the body is read up to maxBytes and the whole exchange, the name's lookup included, is bounded by timeoutMs.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

export type OutboundRefusal = 'invalid_url' | 'scheme' | 'credentials' | 'dns' | 'private_address' | 'timeout' | 'too_large' | 'network';

/** Why an outbound request was not made or did not complete; `reason` is a stable code for logs and APIs. */
export class OutboundError extends Error {
  readonly reason: OutboundRefusal;
  constructor(reason: OutboundRefusal, message: string) {
    super(message);
    this.reason = reason;
  }
}

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 96], // the unspecified and loopback addresses, and IPv4-compatible ones (::7f00:1 is ::127.0.0.1)
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT), another way to spell an IPv4 address
  ['64:ff9b::', 96], // NAT64 can reach any IPv4 address, private ones included
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32], // Teredo
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4 embeds an IPv4 address
  ['fc00::', 7], // unique local, including AWS's fd00:ec2::254 metadata address
  ['fe80::', 10],
  ['fec0::', 10], // site-local: deprecated, still routed inside some networks
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

/** True when the address may be contacted by an outbound request without allowPrivate. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return !blocked.check(mapped[1], 'ipv4');
  if (/^::ffff:/i.test(address)) return false; // mapped in hex form: refuse rather than parse
  return !blocked.check(address, 'ipv6');
}

/**
 * What went wrong with a connection, in words fit for an admin's screen: the error's code (ECONNREFUSED,
 * CERT_HAS_EXPIRED, …) with a plain reading of the common ones. Never the error's own message: OpenSSL's
 * carries its source file paths and internal addresses.
 */
export function connectionFailure(error: Error & { code?: unknown }): string {
  const code = typeof error.code === 'string' && /^[A-Z0-9_]{2,64}$/.test(error.code) ? error.code : undefined;
  const plain: Record<string, string> = {
    ECONNREFUSED: 'the connection was refused',
    ECONNRESET: 'the connection was reset',
    EHOSTUNREACH: 'the host is unreachable',
    ENETUNREACH: 'the network is unreachable',
    ETIMEDOUT: 'the connection timed out',
    EPROTO: 'the TLS handshake failed (is the server speaking https?)',
    ERR_SSL_WRONG_VERSION_NUMBER: 'the TLS handshake failed (is the server speaking https?)',
    DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed",
    SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate chain is self-signed",
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate could not be verified",
    CERT_HAS_EXPIRED: "the server's certificate has expired",
    ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate does not name this host",
  };
  if (!code) return 'a network error';
  return Object.hasOwn(plain, code) ? `${plain[code] ?? ''} (${code})` : code;
}

export interface CheckedUrl {
  url: URL;
  /** The address the request will connect to (the first allowed answer). */
  address: string;
  family: 4 | 6;
}

/**
 * How long a name may take to resolve at most. The system resolver has no limit of its own worth
 * waiting for (its retries over several servers add up to tens of seconds). For a request the lookup
 * also comes out of the request's own time limit (requestOutbound), which may leave it less.
 */
export const LOOKUP_TIMEOUT_MS = 5_000;

function withinLookupTime<T>(lookingUp: Promise<T>, limitMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new OutboundError('dns', `The host name did not resolve within ${String(limitMs)} ms`));
    }, limitMs);
  });
  return Promise.race([lookingUp, late]).finally(() => {
    clearTimeout(timer);
  });
}

/**
 * Parses and checks a URL and what its name resolves to now, the lookup taking at most `lookupMs` (and
 * never more than LOOKUP_TIMEOUT_MS). Throws OutboundError.
 */
export async function checkOutboundUrl(raw: string, allowPrivate: boolean, lookupMs = LOOKUP_TIMEOUT_MS): Promise<CheckedUrl> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundError('invalid_url', 'The URL is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    throw new OutboundError('scheme', 'The URL must use https');
  }
  if (url.username || url.password) throw new OutboundError('credentials', 'The URL must not contain a user name or password');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let answers: { address: string; family: number }[];
  try {
    answers = isIP(host)
      ? [{ address: host, family: isIP(host) }]
      : await withinLookupTime(lookup(host, { all: true, verbatim: true }), Math.min(lookupMs, LOOKUP_TIMEOUT_MS));
  } catch (err) {
    if (err instanceof OutboundError) throw err;
    throw new OutboundError('dns', `The host name ${host} does not resolve`);
  }
  const first = answers[0];
  if (!first) throw new OutboundError('dns', `The host name ${host} does not resolve`);
  // Every answer must be public: a name with one public and one private address could be made to
  // connect to the private one by whoever controls its DNS.
  if (!allowPrivate && answers.some((a) => !isPublicAddress(a.address))) {
    throw new OutboundError('private_address', 'The URL resolves to a private, loopback, link-local or metadata address');
  }
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

export interface OutboundRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Buffer;
  allowPrivate: boolean;
  maxBytes: number;
  timeoutMs: number;
  /** Reuse connections to the checked address (see agentFor). */
  keepAlive?: boolean;
  /**
   * The caller needs the status alone (a webhook delivery: "a 2xx within 10 s is success"): the answer
   * is settled when the status line arrives, with an empty body. The body is still read, within the same
   * size and time limits, so that a kept-alive connection can serve the next request; past them the
   * connection is closed, and the answer already given stands.
   */
  statusOnly?: boolean;
  /**
   * The check of this URL made moments ago by the caller (checkOutboundUrl), for a caller sending many
   * requests to one URL at once (a webhook delivery round): the request connects to that checked address.
   */
  checked?: Promise<CheckedUrl>;
}

const MAX_AGENTS = 256;
/** Idle connections close before a receiver's own keep-alive timeout (Node's default is 5 s) would. */
const IDLE_MS = 4000;
const agents = new Map<string, http.Agent>();

/**
 * A keep-alive agent per URL origin and checked address. Each of its connections was opened toward
 * that address (the pinned lookup), so a request reuses only a connection to the address its own
 * check just allowed; a changed DNS answer gets another agent, and so a fresh connection.
 */
function agentFor(checked: CheckedUrl): http.Agent {
  const key = `${checked.url.origin} ${checked.address}`;
  let agent = agents.get(key);
  if (!agent) {
    if (agents.size >= MAX_AGENTS) {
      for (const a of agents.values()) a.destroy();
      agents.clear();
    }
    // As many connections as a delivery round has requests (worker.ts BATCH): a request queued behind
    // slow ones to the same receiver would spend its own time limit waiting for a connection.
    const options = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: IDLE_MS };
    agent = checked.url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
    agents.set(key, agent);
  }
  return agent;
}

export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Makes one request under the rules above. Any status is returned (3xx included, never followed). The
 * time limit holds from the call: the name's lookup (or the wait for the caller's check) comes out of it.
 */
export async function requestOutbound(raw: string, req: OutboundRequest): Promise<OutboundResponse> {
  const started = performance.now();
  const checked = await (req.checked ?? checkOutboundUrl(raw, req.allowPrivate, req.timeoutMs));
  const timeLeft = req.timeoutMs - (performance.now() - started);
  if (timeLeft <= 0) throw new OutboundError('timeout', `No complete answer within ${String(req.timeoutMs)} ms`);
  const pinned: LookupFunction = (_host, options, callback) => {
    if (options.all) callback(null, [{ address: checked.address, family: checked.family }]);
    else callback(null, checked.address, checked.family);
  };
  const transport = checked.url.protocol === 'https:' ? https : http;
  const agent = req.keepAlive ? agentFor(checked) : false;
  return new Promise<OutboundResponse>((resolve, reject) => {
    let settled = false;
    const fail = (error: OutboundError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(error);
    };
    // Past a limit after a status-only answer was given, only the connection goes.
    const overLimit = (error: OutboundError) => {
      if (settled) request.destroy();
      else fail(error);
    };
    const timer = setTimeout(() => {
      overLimit(new OutboundError('timeout', `No complete answer within ${String(req.timeoutMs)} ms`));
    }, timeLeft);
    const request = transport.request(checked.url, { method: req.method ?? 'GET', headers: req.headers, lookup: pinned, agent }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      if (req.statusOnly) {
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0) });
      }
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > req.maxBytes) overLimit(new OutboundError('too_large', `The answer is larger than ${String(req.maxBytes)} bytes`));
        else if (!req.statusOnly) chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', () => {
        fail(new OutboundError('network', 'The connection failed while reading the answer'));
      });
    });
    request.on('error', (error: Error) => {
      clearTimeout(timer);
      fail(new OutboundError('network', `The connection failed: ${connectionFailure(error)}`));
    });
    request.end(req.body);
  });
}
