import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stub does with one request: answer it, reset the connection, or never answer. */
export type Step = { status: number; headers?: Record<string, string>; body?: unknown } | 'reset' | 'hang';

/** One request the stub received. */
export interface Seen {
  method: string;
  url: string;
  key: string | undefined;
}

export interface StubServer {
  url: string;
  seen: Seen[];
  close: () => Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 (port 0) that reads each request whole, records it, then does the next
 * step of `steps` (the last one repeats), or what `steps(request, n)` says. A body that is a string is
 * sent as it is, anything else as JSON. 'reset' drops the connection after the request arrived, so it
 * reached the server; 'hang' never answers.
 */
export async function stubServer(steps: Step[] | ((seen: Seen, n: number) => Step)): Promise<StubServer> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        key: req.headers['idempotency-key'] as string | undefined,
      };
      seen.push(request);
      const n = seen.length - 1;
      const step =
        typeof steps === 'function' ? steps(request, n) : (steps[Math.min(n, steps.length - 1)] as Step);
      if (step === 'reset') return req.socket.destroy();
      if (step === 'hang') return;
      const text = typeof step.body === 'string' ? step.body : JSON.stringify(step.body ?? {});
      res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The contract's error answer with `status` and `code`. */
export function errorStep(status: number, code: string, headers?: Record<string, string>): Step {
  return {
    status,
    headers: { 'x-request-id': `r${status}`, ...headers },
    body: { error: { code, message: `${code} (stub)`, requestId: `r${status}` } },
  };
}
