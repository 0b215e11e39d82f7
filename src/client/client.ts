import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Static } from '@sinclair/typebox';
import { ApiError, isErrorCode, type ErrorCode } from '../api/errors.js';
import { endpoints, type RouteId } from '../api/endpoints.js';
import type { BodyOf, ParamsOf, QueryOf, routes } from '../api/routes.js';
import {
  InsecureServerError,
  NetworkError,
  RetryAfterTooLongError,
  UnexpectedAnswerError,
} from './errors.js';
import { Transport, type TransportRequest, type TransportResponse } from './transport.js';

/** The response body type of a route. */
export type ResponseOf<Id extends RouteId> = Static<(typeof routes)[Id]['response']>;
/** The routes that answer a page of rows (`{data, nextCursor}`), which `paginate` walks. */
export type ListRouteId = {
  [Id in RouteId]: ResponseOf<Id> extends { data: unknown[]; nextCursor: string | null } ? Id : never;
}[RouteId];
/** Every route's answer, looked up by id: a list route's answer then reads as its page (see `paginate`). */
type Replies = { [Id in RouteId]: ResponseOf<Id> };
/** The answer of each list route: a page. */
type PageOf = { [Id in ListRouteId]: ResponseOf<Id> };
/** The row type of a list route. */
export type RowOf<Id extends ListRouteId> = PageOf[Id]['data'][number];

export interface ClientOptions {
  server: string;
  /** Session or API token. */
  token?: string;
  /** PEM of a private CA to trust. */
  ca?: string;
  /** Allow plain http to a non-loopback host. */
  insecure?: boolean;
  /**
   * Once connected, how long the server has to answer: to start a download, to send a call's whole answer
   * (default 30 s); also the longest silence of a download.
   */
  timeoutMs?: number;
  /** How long a new connection may take: DNS, TCP and TLS (default 5 s). */
  connectTimeoutMs?: number;
  /** Attempts after the first one for retryable failures. */
  retries?: number;
  userAgent: string;
  /** Called with one line per request (method, path, status, request id) — never headers or bodies. */
  debug?: (line: string) => void;
  /** Told when a request starts and ends (e.g. to show a spinner). */
  onActivity?: (busy: boolean) => void;
  /** Waits between retries; tests replace it. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The longest wait before a retry (default 60 s). A Retry-After asking for more fails at once with
   * RetryAfterTooLongError instead of sleeping: a cron job must not hang for a day on one header.
   */
  maxRetryWaitMs?: number;
}

/** The default of `maxRetryWaitMs`. */
export const DEFAULT_MAX_RETRY_WAIT_MS = 60_000;
/** The default of `timeoutMs`. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** The default of `connectTimeoutMs`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * What a call sends, typed from the route's schemas: path parameters, query (each value may also be its
 * text form, which is what travels), the body, and the Idempotency-Key of a change.
 */
export interface CallInput<Id extends RouteId = RouteId> {
  params?: ParamsOf<Id>;
  query?: QueryInput<Id>;
  body?: BodyOf<Id>;
  /** A file's bytes, the raw body of a route that takes one (`uploads.create`). */
  file?: Buffer;
  idempotencyKey?: string;
}

/** A route's query as a caller may give it: its keys, each typed or as text. */
export type QueryInput<Id extends RouteId> = {
  [K in keyof QueryOf<Id>]?: QueryOf<Id>[K] | string | null;
};

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
/** Network failures worth another try (an unknown host or an untrusted certificate will not change). */
const RETRYABLE_NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The typed HTTP client of the /v1 contract: auth header, timeouts, retries with backoff, paging. */
export class VmClient {
  private readonly base: URL;
  private readonly transport: Transport;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxWaitMs: number;

  constructor(private readonly opts: ClientOptions) {
    this.base = new URL(opts.server);
    if (this.base.protocol === 'http:' && !isLoopbackHost(this.base.hostname) && !opts.insecure) {
      throw new InsecureServerError(opts.server);
    }
    this.transport = new Transport(
      opts.server,
      this.base.protocol === 'https:',
      {
        connectMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        answerMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      },
      opts.ca,
    );
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.maxWaitMs = opts.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS;
  }

  /**
   * Calls one route and returns its body. Errors: ApiError (the contract's error object), NetworkError
   * (no answer), UnexpectedAnswerError (an answer, but not a vm backend's), RetryAfterTooLongError.
   */
  async call<Id extends RouteId>(id: Id, input: CallInput<Id> = {}): Promise<Replies[Id]> {
    this.opts.onActivity?.(true);
    try {
      return await this.send(id, input);
    } finally {
      this.opts.onActivity?.(false);
    }
  }

  /** The HTTP request of a route: path parameters filled, query set, the caller's headers. */
  private request(
    id: RouteId,
    input: CallInput,
    requestId: string,
    accept: string,
  ): TransportRequest & { url: URL } {
    const def = endpoints[id];
    const path = def.path.replace(/:(\w+)/g, (_, name: string) =>
      encodeURIComponent(input.params?.[name] ?? ''),
    );
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(input.query ?? {})) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
    }
    return {
      method: def.method,
      url,
      headers: {
        accept,
        'user-agent': this.opts.userAgent,
        'x-request-id': requestId,
        ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}),
        ...(input.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(input.file !== undefined ? { 'content-type': 'application/octet-stream' } : {}),
        ...(input.idempotencyKey ? { 'idempotency-key': input.idempotencyKey } : {}),
      },
      body: input.file ?? (input.body !== undefined ? JSON.stringify(input.body) : undefined),
    };
  }

  private async send<Id extends RouteId>(id: Id, input: CallInput): Promise<Replies[Id]> {
    const def = endpoints[id];
    const retryablePost = def.method === 'GET' || input.idempotencyKey !== undefined;
    const maxAttempts = 1 + (this.opts.retries ?? 3);
    const requestId = `cli_${randomBytes(8).toString('hex')}`;
    const req = this.request(id, input, requestId, 'application/json');
    const url = req.url;
    for (let attempt = 1; ; attempt++) {
      let res: TransportResponse;
      try {
        res = await this.transport.send(req);
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err;
        this.opts.debug?.(
          `${def.method} ${url.pathname} -> ${err.causeCode} ${err.phase} (attempt ${attempt})`,
        );
        // Before a connection was made (refused, connect timeout) nothing reached the server, so even a
        // plain POST is safe to resend; after, only a GET or a POST with an Idempotency-Key is: a POST
        // whose answer timed out may have done its work.
        const safe = retryablePost || err.phase === 'connect';
        if (safe && RETRYABLE_NETWORK.has(err.causeCode) && attempt < maxAttempts) {
          await this.sleep(Math.min(backoff(attempt), this.maxWaitMs));
          continue;
        }
        throw err;
      }
      const text = res.text;
      const serverRequestId = headerOf(res.headers['x-request-id']) ?? requestId;
      this.opts.debug?.(`${def.method} ${url.pathname}${url.search} -> ${res.status} [${serverRequestId}]`);
      if (res.status >= 200 && res.status < 300) {
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : {};
        } catch {
          // A page, not JSON: some other web server answers at this address.
          throw new UnexpectedAnswerError(this.opts.server, res.status, STATUS_CODES[res.status] ?? '');
        }
        // Trusted, not checked: the backend serializes each answer with its route's response schema, and
        // validating every page here would cost what the CLI saves by not loading a validator.
        return body as Replies[Id];
      }
      const retryable = RETRYABLE_STATUS.has(res.status) || (res.status >= 500 && retryablePost);
      if (retryable && (retryablePost || res.status === 429) && attempt < maxAttempts) {
        const asked = retryAfterMs(headerOf(res.headers['retry-after']), Date.now());
        // Retrying before the server's time only earns another refusal, and sleeping longer than the
        // cap is what the cap forbids: a clear error now lets the script decide when to come back.
        if (asked !== undefined && asked > this.maxWaitMs) {
          throw new RetryAfterTooLongError(
            this.opts.server,
            res.status,
            Math.ceil(asked / 1000),
            this.maxWaitMs / 1000,
            serverRequestId,
          );
        }
        await this.sleep(asked ? asked : Math.min(backoff(attempt), this.maxWaitMs));
        continue;
      }
      throw toApiError(res.status, text, serverRequestId, this.opts.server);
    }
  }

  /** Every row of a list route, page after page (`pageSize` rows per request); `params` fill the path. */
  async *paginate<Id extends ListRouteId>(
    id: Id,
    query: QueryInput<Id> = {},
    pageSize = 1000,
    params?: ParamsOf<Id>,
  ): AsyncGenerator<RowOf<Id>> {
    let cursor: string | null | undefined;
    do {
      const page: PageOf[Id] = await this.call(id, {
        params,
        query: { ...query, limit: pageSize, cursor },
      });
      yield* page.data;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /**
   * Calls a streaming route (call detail records) and resolves with the open response once it answered
   * 2xx; an error answer is read and thrown as ApiError like any other call. Not retried: a stream that
   * broke half-way is the caller's to restart.
   */
  async stream<Id extends RouteId>(id: Id, input: CallInput<Id> = {}): Promise<NodeJS.ReadableStream> {
    const requestId = `cli_${randomBytes(8).toString('hex')}`;
    const req = this.request(
      id,
      input,
      requestId,
      'application/x-ndjson, text/csv, text/tab-separated-values, application/json',
    );
    const { url, method } = req;
    const res = await this.transport.open(req);
    const serverRequestId = headerOf(res.headers['x-request-id']) ?? requestId;
    this.opts.debug?.(
      `${method} ${url.pathname}${url.search} -> ${res.statusCode} [${serverRequestId}] (stream)`,
    );
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return res;
    throw toApiError(status, await this.transport.readText(res), serverRequestId, this.opts.server);
  }

  /** Releases the connection pool. */
  async close(): Promise<void> {
    this.transport.close();
  }
}

function backoff(attempt: number): number {
  const base = 200 * 2 ** (attempt - 1);
  return base / 2 + Math.random() * base;
}

/**
 * The wait a Retry-After header asks for, in ms: delay-seconds or an HTTP-date (RFC 9110 §10.2.3), a
 * date in the past being 0; undefined when there is none or it cannot be read.
 */
export function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Date.parse reads "-5" or "1.5" as years; an HTTP-date always has a day or month name.
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function headerOf(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function toApiError(status: number, text: string, requestId: string, server: string): Error {
  const e = errorObjectOf(text);
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : undefined;
  // A code this client does not know (from a newer backend) with a message is still the contract's
  // error object: the server's own message is shown rather than "not a vm backend".
  if (e && code !== undefined && (isErrorCode(code) || message !== undefined)) {
    const details = isRecord(e.details) ? e.details : undefined;
    const id = typeof e.requestId === 'string' ? e.requestId : requestId;
    // Such a code travels as it came: ErrorCode lists only the codes this client knows.
    return new ApiError(code as ErrorCode, message ?? code, details, id);
  }
  return new UnexpectedAnswerError(server, status, STATUS_CODES[status] ?? '');
}

/** The `error` object of an answer's JSON, its fields still to check; undefined when there is none. */
function errorObjectOf(
  text: string,
): { code?: unknown; message?: unknown; details?: unknown; requestId?: unknown } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined; // not JSON: not a vm answer
  }
  const e = isRecord(body) ? body.error : undefined;
  return isRecord(e) ? e : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
