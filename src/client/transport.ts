import http from 'node:http';
import https from 'node:https';
import { text } from 'node:stream/consumers';
import { NetworkError, type NetworkPhase } from './errors.js';

/** One HTTP exchange: what the client sends and what comes back. */
export interface TransportRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** JSON text, or a file's bytes. */
  body?: string | Buffer;
}
export interface TransportResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** How long each phase of an exchange may take. */
export interface TransportTimeouts {
  /** A new connection: DNS lookup, TCP connect and TLS handshake. */
  connectMs: number;
  /**
   * Once connected (or on a kept-alive connection): until the answer starts for a download, until the
   * whole body is read for a call; and the longest silence of a download once it started.
   */
  answerMs: number;
}

// setTimeout fires at once past 2^31-1 ms (about 24.8 days): a longer timeout is the same as that one.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * HTTP/1.1 with keep-alive over node:http/https. Node's own modules load in a few milliseconds, where an
 * HTTP library costs a CLI start 100+ ms; paging and a private CA need nothing more than this.
 *
 * Its timeouts are deadlines, not node's `req.setTimeout`: that one measures socket silence, so a server
 * that trickles a byte now and then, or a connect queued behind a slow DNS, would never end.
 */
export class Transport {
  private readonly agent: http.Agent;

  constructor(
    /** The server as the user named it, for the errors. */
    private readonly server: string,
    secure: boolean,
    private readonly timeouts: TransportTimeouts,
    ca?: string,
  ) {
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 8, ...(ca ? { ca } : {}) })
      : new http.Agent({ keepAlive: true, maxSockets: 8 });
  }

  /**
   * Sends one request and reads the whole answer, all within the answer timeout. Rejects with a
   * NetworkError saying the phase that failed (refused, unknown host, TLS, timed out, reset).
   */
  async send(req: TransportRequest): Promise<TransportResponse> {
    const res = await this.open(req, true);
    return { status: res.statusCode ?? 0, headers: res.headers, text: await this.readText(res) };
  }

  /** The rest of an answer as text; a connection that breaks meanwhile is a NetworkError of the answer. */
  async readText(res: http.IncomingMessage): Promise<string> {
    try {
      return await text(res);
    } catch (err) {
      throw this.networkError(err, 'answer');
    }
  }

  /**
   * Sends one request and resolves with the response, unread; the caller reads or destroys it. A new
   * connection has the connect timeout; then the answer timeout runs until the answer starts and, with
   * `whole`, until its body is read. Without `whole` (a download) the body may take as long as it needs,
   * but a silence of the answer timeout while its reader waits for more ends it.
   */
  open(req: TransportRequest, whole = false): Promise<http.IncomingMessage> {
    const lib = req.url.protocol === 'https:' ? https : http;
    const { connectMs, answerMs } = this.timeouts;
    return new Promise((resolve, reject) => {
      let phase: NetworkPhase = 'connect';
      let deadline: NodeJS.Timeout | undefined;
      let response: http.IncomingMessage | undefined;
      const stop = () => clearTimeout(deadline);
      /** Enters `next`, which ends the exchange unless it is over within `ms`. */
      const limit = (next: NetworkPhase, ms: number) => {
        phase = next;
        stop();
        deadline = setTimeout(
          () => {
            const err = this.timedOut(next, ms);
            // After the answer started, its reader sees the error; before, the request's 'error' does.
            if (response) response.destroy(err);
            else r.destroy(err);
          },
          Math.min(ms, MAX_TIMER_MS),
        );
      };
      const r = lib.request(
        req.url,
        {
          method: req.method,
          agent: this.agent,
          headers:
            req.body === undefined
              ? req.headers
              : { ...req.headers, 'content-length': Buffer.byteLength(req.body) },
        },
        (res) => {
          response = res;
          if (whole) res.once('close', stop);
          else {
            stop();
            this.endStalls(r, res);
          }
          resolve(res);
        },
      );
      r.on('socket', (socket) => {
        if (r.reusedSocket) return limit('answer', answerMs);
        limit('connect', connectMs);
        socket.once(req.url.protocol === 'https:' ? 'secureConnect' : 'connect', () =>
          limit('answer', answerMs),
        );
      });
      // The whole request is sent (a large upload may take a while): the server has the full time to answer.
      r.on('finish', () => {
        if (phase === 'answer' && !response) limit('answer', answerMs);
      });
      r.on('error', (err) => {
        stop();
        reject(this.networkError(err, phase));
      });
      r.end(req.body);
    });
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void {
    this.agent.destroy();
  }

  /**
   * Ends a download that goes silent for the answer timeout while its reader waits for bytes. A reader
   * that holds it back (a full buffer: a slow pipe, a pager) pauses the socket, which is no stall.
   */
  private endStalls(r: http.ClientRequest, res: http.IncomingMessage): void {
    const { answerMs } = this.timeouts;
    const onSilence = () => {
      if (res.readableLength >= res.readableHighWaterMark)
        r.setTimeout(Math.min(answerMs, MAX_TIMER_MS), onSilence);
      else res.destroy(this.timedOut('answer', answerMs));
    };
    r.setTimeout(Math.min(answerMs, MAX_TIMER_MS), onSilence);
  }

  private timedOut(phase: NetworkPhase, ms: number): NetworkError {
    const seconds = ms / 1000;
    const what = phase === 'connect' ? 'no connection' : 'no answer';
    return new NetworkError(this.server, 'ETIMEDOUT', `${what} in ${seconds} s`, phase, seconds);
  }

  private networkError(err: unknown, phase: NetworkPhase): NetworkError {
    if (err instanceof NetworkError) return err;
    // Checked by shape, not `instanceof Error`: node's errors may come from another realm (a test runner's).
    const known = typeof err === 'object' && err !== null;
    const code = known && 'code' in err && typeof err.code === 'string' ? err.code : 'ERROR';
    const message = known && 'message' in err && typeof err.message === 'string' ? err.message : String(err);
    return new NetworkError(this.server, code, message, phase);
  }
}
