import http from 'node:http';
import https from 'node:https';

/** One HTTP exchange: what the client sends and what comes back. */
export interface TransportRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}
export interface TransportResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * HTTP/1.1 with keep-alive over node:http/https. Node's own modules load in a few milliseconds, where an
 * HTTP library costs a CLI start 100+ ms; paging and a private CA need nothing more than this.
 */
export class Transport {
  private readonly agent: http.Agent;

  constructor(
    secure: boolean,
    private readonly timeoutMs: number,
    ca?: string,
  ) {
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 8, ...(ca ? { ca } : {}) })
      : new http.Agent({ keepAlive: true, maxSockets: 8 });
  }

  /** Sends one request; rejects with an error carrying `code` (ECONNREFUSED, ETIMEDOUT, …). */
  send(req: TransportRequest): Promise<TransportResponse> {
    const lib = req.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
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
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      r.setTimeout(this.timeoutMs, () =>
        r.destroy(Object.assign(new Error(`no answer in ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
      r.on('error', reject);
      r.end(req.body);
    });
  }

  /**
   * Sends one request and resolves with the response as a stream, unread (a download); the caller reads
   * or destroys it. No timeout once the answer has started: a long export keeps going.
   */
  open(req: TransportRequest): Promise<http.IncomingMessage> {
    const lib = req.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
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
          r.setTimeout(0);
          resolve(res);
        },
      );
      r.setTimeout(this.timeoutMs, () =>
        r.destroy(Object.assign(new Error(`no answer in ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
      r.on('error', reject);
      r.end(req.body);
    });
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void {
    this.agent.destroy();
  }
}
