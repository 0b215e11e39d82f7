import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { VmClient } from '../../src/client/client.js';

/** A scripted server: answers each request with the next canned response and records what it got. */
async function scripted(responses: { status: number; headers?: Record<string, string>; body?: unknown }[]) {
  const seen: { method: string; url: string; key: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        key: req.headers['idempotency-key'] as string | undefined,
      });
      const r = responses[Math.min(seen.length - 1, responses.length - 1)] ?? { status: 500 };
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
      res.end(JSON.stringify(r.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const unavailable = {
  status: 503,
  body: { error: { code: 'unavailable', message: 'busy', requestId: 'r1' } },
};
const me = { status: 200, body: { id: 1, email: 'a@b.c' } };

describe('the client on a flaky network', () => {
  it('retries a GET after 503 and 429, honouring Retry-After', async () => {
    const s = await scripted([
      unavailable,
      {
        status: 429,
        headers: { 'retry-after': '2' },
        body: { error: { code: 'rate_limited', message: 'slow down', requestId: 'r2' } },
      },
      me,
    ]);
    const waits: number[] = [];
    const client = new VmClient({ server: s.url, userAgent: 't', sleep: async (ms) => void waits.push(ms) });
    await expect(client.call('me.show')).resolves.toMatchObject({ email: 'a@b.c' });
    expect(s.seen).toHaveLength(3);
    expect(waits[1]).toBe(2000);
    await client.close();
    await s.close();
  });

  it('never resends a POST without an Idempotency-Key after the server answered', async () => {
    const s = await scripted([unavailable, me]);
    const client = new VmClient({ server: s.url, userAgent: 't', sleep: async () => undefined });
    await expect(client.call('auth.logout')).rejects.toMatchObject({ code: 'unavailable' });
    expect(s.seen).toHaveLength(1);
    await client.close();
    await s.close();
  });

  it('resends a POST with the same Idempotency-Key, so the change happens once', async () => {
    const s = await scripted([unavailable, unavailable, { status: 202, body: { id: 'op_1' } }]);
    const client = new VmClient({ server: s.url, userAgent: 't', sleep: async () => undefined });
    const body = { type: 'number.block' as const, params: {}, targets: [{ msisdn: '+79160000001' }] };
    await expect(client.call('operations.create', { body, idempotencyKey: 'k-1' })).resolves.toMatchObject({
      id: 'op_1',
    });
    expect(s.seen.map((r) => r.key)).toEqual(['k-1', 'k-1', 'k-1']);
    await client.close();
    await s.close();
  });

  it('gives up after the retries with the last error', async () => {
    const s = await scripted([unavailable]);
    const client = new VmClient({ server: s.url, userAgent: 't', retries: 2, sleep: async () => undefined });
    await expect(client.call('me.show')).rejects.toMatchObject({ code: 'unavailable', requestId: 'r1' });
    expect(s.seen).toHaveLength(3);
    await client.close();
    await s.close();
  });

  it('reports a refused connection at once: nothing listens there, and a second later neither', async () => {
    const s = await scripted([me]);
    await s.close();
    const waits: number[] = [];
    const client = new VmClient({ server: s.url, userAgent: 't', sleep: async (ms) => void waits.push(ms) });
    await expect(client.call('me.show')).rejects.toMatchObject({
      name: 'NetworkError',
      causeCode: 'ECONNREFUSED',
    });
    expect(waits).toEqual([]);
    await client.close();
  });

  it('refuses plain http to a host that is not loopback before sending anything', () => {
    expect(() => new VmClient({ server: 'http://10.1.2.3:7080', userAgent: 't' })).toThrow(
      /refusing plain http/,
    );
    expect(
      () => new VmClient({ server: 'http://10.1.2.3:7080', userAgent: 't', insecure: true }),
    ).not.toThrow();
    expect(() => new VmClient({ server: 'http://localhost:7080', userAgent: 't' })).not.toThrow();
  });
});
