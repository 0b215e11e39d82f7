import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { VmClient } from '../../src/client/client.js';
import { removeTempDirs, runVm } from '../support/run-vm.js';

interface Canned {
  status: number;
  headers?: Record<string, string>;
  /** Sent as is when a string, as JSON otherwise. */
  body?: unknown;
}

/** A scripted server: answers each request with the next canned response (the last one repeats). */
async function scripted(responses: Canned[]) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      const r = responses[Math.min(seen.length - 1, responses.length - 1)] as Canned;
      const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? {});
      const type = typeof r.body === 'string' ? 'text/html' : 'application/json';
      res.writeHead(r.status, { 'content-type': type, ...r.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const rateLimited = (retryAfter: string): Canned => ({
  status: 429,
  headers: { 'retry-after': retryAfter },
  body: { error: { code: 'rate_limited', message: 'slow down', requestId: 'r1' } },
});
const unavailable = (retryAfter: string): Canned => ({
  status: 503,
  headers: { 'retry-after': retryAfter },
  body: { error: { code: 'unavailable', message: 'busy', requestId: 'r2' } },
});
const me: Canned = { status: 200, body: { id: 1, email: 'a@b.c' } };
const badGatewayPage =
  '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>';

/** A client whose waits are recorded instead of slept. */
function clientOf(url: string, extra: Partial<ConstructorParameters<typeof VmClient>[0]> = {}) {
  const waits: number[] = [];
  const client = new VmClient({
    server: url,
    userAgent: 't',
    sleep: async (ms) => void waits.push(ms),
    ...extra,
  });
  return { client, waits };
}

afterAll(() => removeTempDirs());

describe('Retry-After is capped (default 60 s)', () => {
  it('fails at once, without sleeping, when a 429 asks to wait 100000 s', async () => {
    const s = await scripted([rateLimited('100000'), me]);
    const { client, waits } = clientOf(s.url);
    await expect(client.call('me.show')).rejects.toMatchObject({
      name: 'RetryAfterTooLongError',
      server: s.url,
      status: 429,
      waitSeconds: 100000,
      maxWaitSeconds: 60,
    });
    expect(waits).toEqual([]);
    expect(s.seen).toHaveLength(1);
    await client.close();
    await s.close();
  });

  it('caps a 503 Retry-After the same way', async () => {
    const s = await scripted([unavailable('3600'), me]);
    const { client, waits } = clientOf(s.url);
    await expect(client.call('me.show')).rejects.toMatchObject({
      name: 'RetryAfterTooLongError',
      status: 503,
      waitSeconds: 3600,
    });
    expect(waits).toEqual([]);
    await client.close();
    await s.close();
  });

  it('waits what the server asks when that is within the cap', async () => {
    const s = await scripted([rateLimited('45'), me]);
    const { client, waits } = clientOf(s.url);
    await expect(client.call('me.show')).resolves.toMatchObject({ email: 'a@b.c' });
    expect(waits).toEqual([45_000]);
    await client.close();
    await s.close();
  });

  it('waits longer when the cap is raised', async () => {
    const s = await scripted([rateLimited('100000'), me]);
    const { client, waits } = clientOf(s.url, { maxRetryWaitMs: 200_000_000 });
    await expect(client.call('me.show')).resolves.toMatchObject({ email: 'a@b.c' });
    expect(waits).toEqual([100_000_000]);
    await client.close();
    await s.close();
  });

  it('reads the HTTP-date form of Retry-After', async () => {
    const soon = new Date(Date.now() + 30_000).toUTCString();
    const s = await scripted([rateLimited(soon), me]);
    const { client, waits } = clientOf(s.url);
    await expect(client.call('me.show')).resolves.toMatchObject({ email: 'a@b.c' });
    expect(waits).toHaveLength(1);
    // The date has whole seconds, and a moment passes before the client reads it.
    expect(waits[0]).toBeGreaterThanOrEqual(28_000);
    expect(waits[0]).toBeLessThanOrEqual(30_000);
    await client.close();
    await s.close();
  });

  it('refuses an HTTP date two days ahead at once', async () => {
    const later = new Date(Date.now() + 2 * 86_400_000).toUTCString();
    const s = await scripted([rateLimited(later), me]);
    const { client, waits } = clientOf(s.url);
    const err = (await client.call('me.show').catch((e: unknown) => e)) as {
      name: string;
      waitSeconds: number;
    };
    expect(err.name).toBe('RetryAfterTooLongError');
    expect(err.waitSeconds).toBeGreaterThan(172_000);
    expect(waits).toEqual([]);
    await client.close();
    await s.close();
  });

  it('retries soon, never with a negative wait, for a date in the past, 0 or garbage', async () => {
    for (const value of [new Date(Date.now() - 60_000).toUTCString(), '0', 'soon-ish', '-5']) {
      const s = await scripted([rateLimited(value), me]);
      const { client, waits } = clientOf(s.url);
      await expect(client.call('me.show')).resolves.toMatchObject({ email: 'a@b.c' });
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThanOrEqual(0);
      expect(waits[0]).toBeLessThan(5_000);
      await client.close();
      await s.close();
    }
  });

  it('keeps every backoff wait within the cap too', async () => {
    const s = await scripted([{ status: 503, body: { error: { code: 'unavailable', message: 'x' } } }]);
    const { client, waits } = clientOf(s.url, { retries: 6, maxRetryWaitMs: 1_000 });
    await expect(client.call('me.show')).rejects.toMatchObject({ code: 'unavailable' });
    expect(waits).toHaveLength(6);
    for (const w of waits) expect(w).toBeLessThanOrEqual(1_000);
    await client.close();
    await s.close();
  });
});

describe('vm and a server that asks to wait too long', () => {
  it('exits 1 at once, naming the wait asked for and how to raise the cap', async () => {
    const s = await scripted([rateLimited('100000')]);
    const started = Date.now();
    const r = await runVm(['whoami'], { server: s.url, env: { VM_TOKEN: 'vmt_x' }, timeoutMs: 15_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(s.url);
    expect(r.stderr).toContain('100000');
    expect(r.stderr).toContain('60');
    expect(r.stderr).toContain('--max-wait');
    expect(r.stderr).toContain('VM_MAX_RETRY_WAIT');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(s.seen).toHaveLength(1);
    await s.close();
  });

  it('says it in Russian too', async () => {
    const s = await scripted([rateLimited('100000')]);
    const r = await runVm(['--lang', 'ru', 'whoami'], {
      server: s.url,
      env: { VM_TOKEN: 'vmt_x' },
      timeoutMs: 15_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/[а-яё]{4}/i);
    expect(r.stderr).toContain('100000');
    expect(r.stderr).toContain('--max-wait');
    await s.close();
  });

  it('takes the cap from VM_MAX_RETRY_WAIT and from --max-wait (which wins)', async () => {
    const s = await scripted([rateLimited('10')]);
    const byEnv = await runVm(['whoami'], {
      server: s.url,
      env: { VM_TOKEN: 'vmt_x', VM_MAX_RETRY_WAIT: '5' },
      timeoutMs: 15_000,
    });
    expect(byEnv.code).toBe(1);
    expect(byEnv.stderr).toMatch(/\b10 s\b/);
    expect(byEnv.stderr).toMatch(/\b5 s\b/);
    const byFlag = await runVm(['whoami', '--max-wait', '3'], {
      server: s.url,
      env: { VM_TOKEN: 'vmt_x', VM_MAX_RETRY_WAIT: '5000' },
      timeoutMs: 15_000,
    });
    expect(byFlag.code).toBe(1);
    expect(byFlag.stderr).toMatch(/\b3 s\b/);
    await s.close();
  });

  it('waits a Retry-After within the cap and then succeeds', async () => {
    const s = await scripted([rateLimited('1'), me]);
    const started = Date.now();
    const r = await runVm(['whoami', '--json', '--max-wait', '2'], {
      server: s.url,
      env: { VM_TOKEN: 'vmt_x' },
      timeoutMs: 15_000,
    });
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(s.seen).toHaveLength(2);
    await s.close();
  });

  it('refuses a cap that is not a number of seconds: exit 2', async () => {
    const flag = await runVm(['whoami', '--max-wait', 'forever'], { env: { VM_TOKEN: 'vmt_x' } });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--max-wait');
    const env = await runVm(['whoami'], { env: { VM_TOKEN: 'vmt_x', VM_MAX_RETRY_WAIT: '-1' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('VM_MAX_RETRY_WAIT');
  });
});

describe('an answer that is not from a vm backend', () => {
  it('is an UnexpectedAnswerError with the status, after the 5xx retries', async () => {
    const s = await scripted([{ status: 502, body: badGatewayPage }]);
    const { client, waits } = clientOf(s.url, { retries: 3 });
    await expect(client.call('me.show')).rejects.toMatchObject({
      name: 'UnexpectedAnswerError',
      server: s.url,
      status: 502,
      statusText: 'Bad Gateway',
    });
    expect(s.seen).toHaveLength(4);
    expect(waits).toHaveLength(3);
    await client.close();
    await s.close();
  });

  it('vm reports a proxy 502 page as what it is, not as "Cannot reach": exit 1', async () => {
    const s = await scripted([{ status: 502, body: badGatewayPage }]);
    // One retry shows they come first, without the real backoff of six.
    const r = await runVm(['whoami'], { server: s.url, env: { VM_TOKEN: 'vmt_x', VM_RETRIES: '1' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `The server at ${s.url} answered 502 Bad Gateway, which is not a vm backend answer`,
    );
    expect(r.stderr).not.toMatch(/Cannot reach/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // The 5xx retry still came first.
    expect(s.seen).toHaveLength(2);
    await s.close();
  });

  it('words it in Russian', async () => {
    const s = await scripted([{ status: 502, body: badGatewayPage }]);
    const r = await runVm(['--lang', 'ru', 'whoami', '--retries', '0'], {
      server: s.url,
      env: { VM_TOKEN: 'vmt_x' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(s.url);
    expect(r.stderr).toContain('502 Bad Gateway');
    expect(r.stderr).toMatch(/не ответ бэкенда vm/);
    expect(r.stderr).not.toMatch(/недоступен/);
    await s.close();
  });

  it('reports a web server that answers 200 with a page: exit 1, not "Unexpected error"', async () => {
    const s = await scripted([{ status: 200, body: '<!doctype html><title>Welcome to nginx!</title>' }]);
    const r = await runVm(['whoami'], { server: s.url, env: { VM_TOKEN: 'vmt_x' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The server at ${s.url} answered 200 OK, which is not a vm backend answer`);
    expect(r.stderr).not.toMatch(/Unexpected error/);
    await s.close();
  });

  it('reports a 404 whose JSON is not the error object', async () => {
    const s = await scripted([{ status: 404, body: { message: 'no route' } }]);
    const r = await runVm(['whoami'], { server: s.url, env: { VM_TOKEN: 'vmt_x' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('answered 404 Not Found, which is not a vm backend answer');
    await s.close();
  });

  it('still says "Cannot reach" for a refused connection', async () => {
    const s = await scripted([me]);
    await s.close();
    const r = await runVm(['whoami'], { server: s.url, env: { VM_TOKEN: 'vmt_x' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Cannot reach the backend at .*ECONNREFUSED/);
  });
});
