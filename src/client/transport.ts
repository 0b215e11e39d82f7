import http from 'node:http';
import https from 'node:https';

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

  /** Sends one request and reads the whole answer; rejects with an error carrying `code` (ECONNREFUSED, ETIMEDOUT, …). */
  async send(req: TransportRequest): Promise<TransportResponse> {
    const res = await this.open(req, true);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return {
      status: res.statusCode ?? 0,
      headers: res.headers,
      text: Buffer.concat(chunks).toString('utf8'),
    };
  }

  /**
   * Sends one request and resolves with the response as a stream, unread (a download); the caller reads
   * or destroys it. The timeout guards until the answer starts and, with `whole`, every pause after;
   * without it a long export may take its time.
   */
  open(req: TransportRequest, whole = false): Promise<http.IncomingMessage> {
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
          if (!whole) r.setTimeout(0);
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
