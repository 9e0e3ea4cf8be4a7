// The console's only way to the server: the public /api/* (CONTRACT §15). The access token lives in this
// module's memory and nowhere else; the refresh token is an HttpOnly cookie the browser sends to
// /api/auth only, which no script here can read.

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: FieldError[];
  /** The `mfa_token` of a sign-in whose password passed and whose TOTP code is due. */
  readonly mfaToken: string | undefined;
  constructor(status: number, code: string, message: string, details: FieldError[] = [], mfaToken?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.mfaToken = mfaToken;
  }
  /** The message for one field, from the API's `details`. */
  fieldMessage(field: string): string | undefined {
    return this.details.find((d) => d.field === field || d.field.startsWith(`${field}.`))?.message;
  }
}

interface TokenAnswer {
  access_token: string;
  expires_in: number;
}

let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<(signedIn: boolean) => void>();

export function onSessionChange(listener: (signedIn: boolean) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function setAccess(token: string | null): void {
  const changed = (token === null) !== (accessToken === null);
  accessToken = token;
  if (changed) for (const l of listeners) l(token !== null);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function errorOf(res: Response): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => null);
  if (!isRecord(body)) return new ApiError(res.status, 'HTTP_ERROR', `The server answered ${res.status}`);
  const details = Array.isArray(body.details)
    ? body.details.filter((d): d is FieldError => isRecord(d) && typeof d.field === 'string' && typeof d.message === 'string')
    : [];
  const code = typeof body.error_code === 'string' ? body.error_code : 'HTTP_ERROR';
  const message = typeof body.error === 'string' ? body.error : `The server answered ${res.status}`;
  const mfaToken = body.mfa_required === true && typeof body.mfa_token === 'string' ? body.mfa_token : undefined;
  return new ApiError(res.status, code, message, details, mfaToken);
}

async function send(method: string, path: string, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  try {
    return await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server could not be reached; check your connection and try again');
  }
}

/** Exchanges the refresh cookie for a new access token; one exchange at a time for the whole page. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const res = await send('POST', '/api/auth/refresh', {});
      if (!res.ok) {
        setAccess(null);
        return false;
      }
      setAccess(((await res.json()) as TokenAnswer).access_token);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

// Where a 401 is the answer about the credentials sent, not about an expired access token.
const CREDENTIAL_PATHS = /^\/api\/auth\/(login|register|refresh|logout)(\/|$)/;

/** A call to the API; an expired access token is renewed once through the cookie and the call repeated. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res = await send(method, path, body);
  if (res.status === 401 && accessToken && !CREDENTIAL_PATHS.test(path)) {
    if (await refreshSession()) res = await send(method, path, body);
  }
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Signs in; for an account with TOTP, answers the `mfa_token` that signInWithCode needs instead. */
export async function signIn(email: string, password: string): Promise<{ mfaToken: string } | null> {
  try {
    const answer = await api<TokenAnswer>('POST', '/api/auth/login', { email, password, refresh_cookie: true });
    setAccess(answer.access_token);
    return null;
  } catch (err) {
    if (err instanceof ApiError && err.mfaToken) return { mfaToken: err.mfaToken };
    throw err;
  }
}

/** The second step of a sign-in with TOTP. */
export async function signInWithCode(mfaToken: string, code: string): Promise<void> {
  const answer = await api<TokenAnswer>('POST', '/api/auth/login/totp', { mfa_token: mfaToken, code, refresh_cookie: true });
  setAccess(answer.access_token);
}

export async function register(email: string, password: string, name: string): Promise<void> {
  const answer = await api<TokenAnswer>('POST', '/api/auth/register', { email, password, refresh_cookie: true, ...(name ? { name } : {}) });
  setAccess(answer.access_token);
}

export async function signOut(): Promise<void> {
  try {
    await api('POST', '/api/auth/logout', {});
  } finally {
    setAccess(null);
  }
}

export const enc = encodeURIComponent;
