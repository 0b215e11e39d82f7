import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import type { Static } from '@sinclair/typebox';
import { ApiError, isErrorCode, type ErrorCode } from '../api/errors.js';
import { endpoints, type Endpoint, type RouteId } from '../api/endpoints.js';
import type { BodyOf, ParamsOf, QueryOf, routes } from '../api/routes.js';
import {
  InsecureServerError,
  NetworkError,
  PageFailedError,
  RetryAfterTooLongError,
  UnexpectedAnswerError,
} from './errors.js';
import { Pacer } from './pacing.js';
import { Transport, type TransportRequest } from './transport.js';

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
  /** Attempts after the first one of a request that may be sent again (default DEFAULT_RETRIES). */
  retries?: number;
  /** The most rows a list asks for in one request (default: what each list asks, at most 1000). */
  maxPageSize?: number;
  userAgent: string;
  /** Called with one line per request (method, path, status, request id) — never headers or bodies. */
  debug?: (line: string) => void;
  /** Told when a request starts and ends (e.g. to show a spinner). */
  onActivity?: (busy: boolean) => void;
  /** Waits between retries and before paced requests; tests replace it. */
  sleep?: (ms: number) => Promise<void>;
  /** Told before each wait, and why, so a person at a terminal can be told vm is not stuck. */
  onWait?: (reason: WaitReason, ms: number) => void;
  /**
   * The longest wait before a retry (default 60 s). A Retry-After asking for more fails at once with
   * RetryAfterTooLongError instead of sleeping: a cron job must not hang for a day on one header.
   */
  maxRetryWaitMs?: number;
}

/**
 * Why the client waits: the server refused (429) or its RateLimit headers ask to slow down, the server
 * or a proxy was unavailable (502, 503, 504), or the connection failed (reset, timed out).
 */
export type WaitReason = 'rate_limited' | 'unavailable' | 'network';

/**
 * The default of `retries`. A listing of 20,000 numbers is 20 pages; if every attempt fails on its own
 * with p = 0.2, a page is lost when its 7 attempts all fail (0.2^7) and the listing with about
 * 20 × 0.2^7 ≈ 0.026 % (5 retries: 0.13 %, over the 0.1 % aimed at). `vm help environment` shows the sums.
 */
export const DEFAULT_RETRIES = 6;
/** Full-jitter backoff: retry n (from 0) waits a random time in [0, min(cap, base × 2^n)). */
export const BACKOFF_BASE_MS = 200;
/** The cap of one backoff wait; the retries' waits add up to 12.6 s at most with the default 6 retries. */
export const BACKOFF_CAP_MS = 10_000;

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

/** Answers worth another try: refused for now (429), or a server or proxy unavailable for a moment. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
/**
 * Network failures worth another try: a reset connection and a timeout. A refused connection, an unknown
 * host or an untrusted certificate say the same a second later: they are reported at once.
 */
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
const STREAM_ACCEPT =
  'application/x-ndjson, text/csv, text/tab-separated-values, text/event-stream, application/json';

/** One answer as the retry loop sees it: a 2xx gives its value, an error answer its text. */
interface Answer<R> {
  status: number;
  headers: IncomingHttpHeaders;
  value: () => R;
  text: () => Promise<string>;
}

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
  private readonly retries: number;
  private readonly pacer = new Pacer();
  private changed = false;

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
    this.retries = opts.retries ?? DEFAULT_RETRIES;
  }

  /**
   * Calls one route and returns its body. Errors: ApiError (the contract's error object), NetworkError
   * (no answer), UnexpectedAnswerError (an answer, but not a vm backend's), RetryAfterTooLongError.
   */
  async call<Id extends RouteId>(id: Id, input: CallInput<Id> = {}): Promise<Replies[Id]> {
    this.opts.onActivity?.(true);
    try {
      return await this.exchange(id, input, 'application/json', '', async (req) => {
        const res = await this.transport.send(req);
        return {
          status: res.status,
          headers: res.headers,
          value: () => {
            // Trusted, not checked: the backend serializes each answer with its route's response schema,
            // and validating every page here would cost what the CLI saves by not loading a validator.
            try {
              return (res.text ? JSON.parse(res.text) : {}) as Replies[Id];
            } catch {
              // A page, not JSON: some other web server answers at this address.
              throw new UnexpectedAnswerError(this.opts.server, res.status, STATUS_CODES[res.status] ?? '');
            }
          },
          text: async () => res.text,
        };
      });
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

  /**
   * Sends a request, and again while the policy allows: a retryable answer (429, 502, 503, 504) or
   * network failure (reset, timeout) of a request that may be resent, or of any request when nothing
   * reached the server (a failed connect) or the server refused it (429: it did nothing). Each retry
   * waits the Retry-After (within the cap) or a full-jitter backoff; every attempt waits its turn in the
   * rate-limit window first.
   */
  private async exchange<R>(
    id: RouteId,
    input: CallInput,
    accept: string,
    /** Added to the -v line of the answer (" (stream)"). */
    note: string,
    attempt: (req: TransportRequest) => Promise<Answer<R>>,
  ): Promise<R> {
    const def: Endpoint = endpoints[id];
    const resendable = mayResend(def, input);
    const requestId = `cli_${randomBytes(8).toString('hex')}`;
    const req = this.request(id, input, requestId, accept);
    const what = `${def.method} ${req.url.pathname}${req.url.search}`;
    for (let retry = 0; ; retry++) {
      await this.pace(what);
      const again = retry < this.retries;
      let answer: Answer<R>;
      try {
        answer = await attempt(req);
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err;
        const line = `${what} -> ${err.causeCode} (${err.phase})`;
        // Before a connection was made nothing reached the server, so even a plain POST may go again;
        // after, only one that changes nothing twice: a POST whose answer timed out may have done its work.
        if (!again || !RETRYABLE_NETWORK.has(err.causeCode) || !(resendable || err.phase === 'connect')) {
          this.opts.debug?.(line);
          throw err;
        }
        await this.backOff(line, 'network', retry, this.backoffMs(retry));
        continue;
      }
      this.pacer.observe(answer.headers, Date.now());
      const serverRequestId = headerOf(answer.headers['x-request-id']) ?? requestId;
      if (answer.status >= 200 && answer.status < 300) {
        this.opts.debug?.(`${what} -> ${answer.status} [${serverRequestId}]${note}`);
        if (mayChange(def, input)) this.changed = true;
        return answer.value();
      }
      const error = toApiError(answer.status, await answer.text(), serverRequestId, this.opts.server);
      const line = `${what} -> ${answer.status} ${reasonOf(error)} [${serverRequestId}]${note}`;
      // A 429 is a refusal: the server did nothing, so any request may go again.
      if (!again || !RETRYABLE_STATUS.has(answer.status) || !(resendable || answer.status === 429)) {
        this.opts.debug?.(line);
        throw error;
      }
      const asked = retryAfterMs(headerOf(answer.headers['retry-after']), Date.now());
      // Retrying before the server's time only earns another refusal, and sleeping longer than the cap is
      // what the cap forbids: a clear error now lets the script decide when to come back.
      if (asked !== undefined && asked > this.maxWaitMs) {
        this.opts.debug?.(line);
        throw new RetryAfterTooLongError(
          this.opts.server,
          answer.status,
          Math.ceil(asked / 1000),
          this.maxWaitMs / 1000,
          serverRequestId,
        );
      }
      const reason = answer.status === 429 ? 'rate_limited' : 'unavailable';
      await this.backOff(line, reason, retry, asked ?? this.backoffMs(retry));
    }
  }

  /** The backoff of retry n (from 0), within the cap of any wait. */
  private backoffMs(retry: number): number {
    return backoffMs(retry, Math.min(BACKOFF_CAP_MS, this.maxWaitMs));
  }

  /** Waits before retry n (from 0), saying so on the -v line of the failure. */
  private async backOff(line: string, reason: WaitReason, retry: number, ms: number): Promise<void> {
    this.opts.debug?.(`${line}, retry ${retry + 1}/${this.retries} in ${Math.round(ms)} ms`);
    await this.wait(reason, ms);
  }

  /** Waits the turn of the next request in the server's rate-limit window, if it announced one. */
  private async pace(what: string): Promise<void> {
    const pause = this.pacer.next(Date.now());
    // Longer than any wait may be: the request goes, and the server says how long it wants.
    if (!pause || pause.ms > this.maxWaitMs) return;
    this.opts.debug?.(
      `${what}: ${pause.remaining} requests left for ${Math.ceil(pause.resetInMs / 1000)} s (RateLimit), waiting ${pause.ms} ms`,
    );
    await this.wait('rate_limited', pause.ms);
  }

  private async wait(reason: WaitReason, ms: number): Promise<void> {
    this.opts.onWait?.(reason, ms);
    await this.sleep(ms);
  }

  /** Every row of a list route, page after page (`pageSize` rows per request); `params` fill the path. */
  async *paginate<Id extends ListRouteId>(
    id: Id,
    query: QueryInput<Id> = {},
    pageSize = 1000,
    params?: ParamsOf<Id>,
  ): AsyncGenerator<RowOf<Id>> {
    let cursor: string | null | undefined;
    let pages = 0;
    let rows = 0;
    do {
      let page: PageOf[Id];
      try {
        // A failed page is retried by call() with its own cursor: the list carries on, never restarts.
        const limit = Math.min(pageSize, this.opts.maxPageSize ?? pageSize);
        page = await this.call(id, { params, query: { ...query, limit, cursor } });
      } catch (err) {
        // The caller has had the rows so far: it must know they are not the whole list.
        throw pages > 0 ? new PageFailedError(pages + 1, rows, err) : err;
      }
      pages++;
      rows += page.data.length;
      yield* page.data;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /**
   * Calls a streaming route (call detail records, a plan) and resolves with the open response once it
   * answered 2xx; an error answer is read and thrown as ApiError like any other call. The opening is
   * retried like a call, before any byte reached the caller; a stream that breaks half-way is not: it is
   * the caller's to restart.
   */
  async stream<Id extends RouteId>(id: Id, input: CallInput<Id> = {}): Promise<NodeJS.ReadableStream> {
    return this.exchange(id, input, STREAM_ACCEPT, ' (stream)', async (req) => {
      const res = await this.transport.open(req);
      return {
        status: res.statusCode ?? 0,
        headers: res.headers,
        value: () => res,
        text: () => this.transport.readText(res),
      };
    });
  }

  /** Did a request that may change something (not a GET, not one the contract declares safe) succeed? */
  get madeChanges(): boolean {
    return this.changed;
  }

  /** Releases the connection pool. */
  async close(): Promise<void> {
    this.transport.close();
  }
}

/**
 * The wait before retry n (from 0), "full jitter": random in [0, min(cap, base × 2^n)), so clients that
 * failed together do not come back together.
 */
export function backoffMs(retry: number, capMs: number, random: () => number = Math.random): number {
  return random() * Math.min(capMs, BACKOFF_BASE_MS * 2 ** retry);
}

/**
 * May a request go again after it may have reached the server? A GET, one with an Idempotency-Key (the
 * server replays it by key) and one the contract declares safe change nothing twice.
 */
function mayResend(def: Endpoint, input: CallInput): boolean {
  if (def.method === 'GET' || input.idempotencyKey !== undefined || def.safe === true) return true;
  const query = input.query as Record<string, unknown> | undefined;
  return def.safe !== undefined && String(query?.[def.safe.query]) === 'true';
}

/** May a request change something in the backend: neither a GET nor a POST the contract declares safe? */
function mayChange(def: Endpoint, input: CallInput): boolean {
  if (def.method === 'GET' || def.safe === true) return false;
  const query = input.query as Record<string, unknown> | undefined;
  return !(def.safe !== undefined && String(query?.[def.safe.query]) === 'true');
}

/** What an error answer was, for the -v line: the contract's code, or the status text. */
function reasonOf(error: Error): string {
  return error instanceof ApiError
    ? error.code
    : error instanceof UnexpectedAnswerError
      ? error.statusText
      : '';
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
