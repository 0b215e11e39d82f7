/**
 * Where a request failed. `connect`: before a connection was made (DNS, TCP, TLS), so nothing reached the
 * server and resending is safe; `answer`: the request may have reached the server.
 */
export type NetworkPhase = 'connect' | 'answer';

/** The backend could not be reached (after retries): refused, unknown host, timed out, reset, TLS failed. */
export class NetworkError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'NetworkError';
  constructor(
    readonly server: string,
    readonly causeCode: string,
    message: string,
    readonly phase: NetworkPhase = 'connect',
    /** Set when vm's own timeout of `phase` ended the request: how long it waited, in seconds. */
    readonly timeoutSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * The server answered, but not as a vm backend does: a status whose body is not the contract's error
 * object, or a 2xx that is not JSON (a proxy's error page, another web server at that address).
 */
export class UnexpectedAnswerError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'UnexpectedAnswerError';
  constructor(
    readonly server: string,
    readonly status: number,
    readonly statusText: string,
  ) {
    super(`${server} answered ${status} ${statusText}, which is not a vm backend answer`);
  }
}

/** The server asked (Retry-After) to wait longer than the client may sleep before a retry. */
export class RetryAfterTooLongError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'RetryAfterTooLongError';
  constructor(
    readonly server: string,
    readonly status: number,
    readonly waitSeconds: number,
    readonly maxWaitSeconds: number,
    readonly requestId?: string,
  ) {
    super(
      `${server} asked to wait ${waitSeconds} s (HTTP ${status}), more than the ${maxWaitSeconds} s allowed`,
    );
  }
}

/** The client refused to send: e.g. plain http to a host that is not loopback. */
export class InsecureServerError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'InsecureServerError';
  constructor(readonly server: string) {
    super(`refusing plain http to ${server}`);
  }
}

/**
 * A page of a list failed (after its retries) once earlier pages had been given to the caller: what it
 * has is the start of the list, not all of it. `cause` is the page's own error.
 */
export class PageFailedError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'PageFailedError';
  constructor(
    /** The page that failed, from 1. */
    readonly page: number,
    /** Rows given before it. */
    readonly rows: number,
    cause: unknown,
  ) {
    super(`page ${page} of the list failed after ${rows} rows`, { cause });
  }
}
