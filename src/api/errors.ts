/**
 * Stable error codes of the HTTP contract. Scripts match on these; never rename one.
 * Each code has exactly one HTTP status.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  /** A request fastify itself refuses (e.g. a media type the route does not take). */
  bad_request: 400,
  /** The body is not JSON, or JSON nested deeper than any request needs. */
  invalid_request: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  session_expired: 401,
  token_invalid: 401,
  token_expired: 401,
  user_disabled: 401,
  forbidden: 403,
  scope_exceeded: 403,
  password_change_required: 403,
  not_found: 404,
  conflict: 409,
  idempotency_conflict: 409,
  business_rule: 422,
  consent_required: 422,
  /** The body is larger than the route accepts (announced by Content-Length or counted while read). */
  payload_too_large: 413,
  account_locked: 423,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

/** One of the stable error codes. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** The body of every error response: `{"error": {...}}`. */
export interface ApiErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details?: Record<string, unknown>;
    requestId: string;
  };
}

/** True if `code` is one of the contract's error codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code);
}

/** An error with a contract code: thrown by the backend's engine, raised by the client from a response. */
export class ApiError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly requestId?: string,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}
