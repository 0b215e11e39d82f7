/** The backend could not be reached (after retries), or answered with something that is not the contract. */
export class NetworkError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'NetworkError';
  constructor(
    readonly server: string,
    readonly causeCode: string,
    message: string,
  ) {
    super(message);
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
