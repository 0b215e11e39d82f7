import fs from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';

/** What came back: the answer, or the network error when the connection ended without one. */
export interface RawResult {
  status: number | null;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed JSON answer (undefined when it is not JSON). */
  json: { error?: { code?: string; message?: string; details?: unknown; requestId?: string } } & Record<
    string,
    unknown
  >;
  /** ECONNRESET, EPIPE… when the server closed the connection before an answer was read. */
  networkError: string | null;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /**
   * The body: bytes sent at once; `'headers-only'` sends the headers (announcing a body by
   * Content-Length) and nothing more, so only an answer given before the body is read can arrive;
   * `'endless'` streams a chunked body (16 KB every 5 ms) until the server answers.
   */
  body?: Buffer | string | 'headers-only' | 'endless';
  timeoutMs?: number;
}

/**
 * One HTTP request without the contract client, for bodies no client would send: lies in
 * Content-Length, endless chunked streams, gigantic or malformed JSON.
 */
export function rawRequest(base: string, r: RawRequest): Promise<RawResult> {
  const url = new URL(r.path, base);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (result: RawResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(new Error(`no answer to ${r.method ?? 'POST'} ${r.path} within ${r.timeoutMs ?? 10_000} ms`));
    }, r.timeoutMs ?? 10_000);
    const req = http.request(url, { method: r.method ?? 'POST', headers: r.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const done = () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: RawResult['json'] = {};
        try {
          json = JSON.parse(text) as RawResult['json'];
        } catch {
          // not JSON: the text is there to look at
        }
        finish({ status: res.statusCode ?? null, headers: res.headers, text, json, networkError: null });
      };
      res.on('end', done);
      res.on('error', done);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The answer may already be on its way; give it a moment before calling it a reset.
      setTimeout(
        () =>
          finish({ status: null, headers: {}, text: '', json: {}, networkError: err.code ?? err.message }),
        200,
      );
    });
    if (r.body === 'headers-only') {
      req.flushHeaders();
    } else if (r.body === 'endless') {
      // Paced, as a real upload over a network would be: a server that stops reading and closes then
      // has nothing unread, so its answer is not lost to a connection reset.
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = () => {
        if (settled || req.destroyed) return;
        req.write(chunk);
        setTimeout(pump, 5);
      };
      pump();
    } else {
      req.end(r.body ?? undefined);
    }
  });
}

/** The resident and peak resident memory of a process in MB, from /proc (Linux). */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}
