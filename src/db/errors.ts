// Prisma / driver errors mapped to what the application needs to know.

interface CodedError {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: unknown;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  '57P01',
  '57P03',
  '08006',
  '08001',
  '08003',
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024',
]);

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as CodedError;
  if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true;
  if (e.name === 'PrismaClientInitializationError') return true;
  const msg = typeof e.message === 'string' ? e.message : '';
  if (
    /Connection terminated|connect ECONNREFUSED|Can't reach database|timeout exceeded when trying to connect|DatabaseNotReachable|Connection (?:refused|closed)/i.test(
      msg,
    )
  )
    return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

/** True for a unique-constraint violation (Prisma P2002). */
export function isUniqueViolation(err: unknown): boolean {
  return Boolean(err && typeof err === 'object' && (err as CodedError).code === 'P2002');
}

/** True when the row to update/delete did not exist (Prisma P2025). */
export function isRecordNotFound(err: unknown): boolean {
  return Boolean(err && typeof err === 'object' && (err as CodedError).code === 'P2025');
}
