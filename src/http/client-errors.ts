// Requests Node's HTTP parser refuses before Koa sees them: a request line and headers over the limit,
// a malformed request, a client too slow to send its headers. Node's own answer is a bare status line
// (431, 400, 408); here it is the contract's error envelope with the same fixed headers as every other
// response (CONTRACT "Errors": every error, from every route), and the connection is closed.
import { newRequestId } from '../security/random.ts';
import type { Duplex } from 'node:stream';
import { FIXED_HEADERS } from './middleware.ts';

/**
 * Request line and headers together. Node's default, 16 KiB, is less than a Redirect-binding
 * AuthnRequest may be (16 KiB encoded, CONTRACT §7) with its URL and cookies around it: such a request
 * must reach the SAML endpoint and be judged there.
 */
export const MAX_HEADER_BYTES = 64 * 1024;

const MESSAGES: Record<string, string> = {
  HPE_HEADER_OVERFLOW: `The request line and headers are larger than ${String(MAX_HEADER_BYTES / 1024)} KiB`,
  ERR_HTTP_REQUEST_TIMEOUT: 'The request was not received in time',
};

export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  // Nothing can be answered on a connection the client already closed or reset, nor on one whose
  // response to an earlier (pipelined) request is still being written: an answer would land inside it.
  // Node's own handler makes the same check, on the same field.
  const busy = (socket as Duplex & { _httpMessage?: unknown })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || busy) {
    socket.destroy();
    return;
  }
  const requestId = newRequestId();
  // 400 for every case: the contract has no code for 408 or 431, and its SAML endpoints answer a
  // message over their size limits with 400.
  const body = JSON.stringify({
    error: MESSAGES[err.code ?? ''] ?? 'The request is not valid HTTP',
    error_code: 'BAD_REQUEST',
    timestamp: new Date().toISOString(),
    request_id: requestId,
  });
  const headers = [
    ['X-Request-Id', requestId],
    ...FIXED_HEADERS,
    ['Cache-Control', 'no-store'],
    ['Content-Type', 'application/json; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Connection', 'close'],
  ];
  // Closed once written: a client that sent garbage and then keeps its side open holds no socket.
  socket.end(`HTTP/1.1 400 Bad Request\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`, () => {
    socket.destroy();
  });
}
