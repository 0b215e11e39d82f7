import { text } from 'node:stream/consumers';
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  DEFAULT_RETRIES,
  VmClient,
  backoffMs,
  type ClientOptions,
  type WaitReason,
} from '../../src/client/client.js';
import { errorStep, stubServer, type Step, type StubServer } from '../support/stub-server.js';

/**
 * The client's one retry policy, against stub servers on 127.0.0.1: what is sent again and after what,
 * how long it waits (recorded through the injected sleep, never slept), pacing from RateLimit headers,
 * and paging that carries on from the page that failed.
 */

const servers: StubServer[] = [];
const clients: VmClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function stub(steps: Parameters<typeof stubServer>[0]): Promise<StubServer> {
  const s = await stubServer(steps);
  servers.push(s);
  return s;
}

/** A client of `server` whose waits are recorded instead of slept, with its -v lines and wait notices. */
function clientOf(server: StubServer, extra: Partial<ClientOptions> = {}) {
  const waits: number[] = [];
  const lines: string[] = [];
  const notices: [WaitReason, number][] = [];
  const client = new VmClient({
    server: server.url,
    userAgent: 't',
    timeoutMs: 200,
    connectTimeoutMs: 200,
    sleep: async (ms) => void waits.push(ms),
    debug: (line) => lines.push(line),
    onWait: (reason, ms) => notices.push([reason, ms]),
    ...extra,
  });
  clients.push(client);
  return { client, waits, lines, notices };
}

const me: Step = { status: 200, body: { id: 1, email: 'a@b.c' } };
const op: Step = { status: 202, body: { id: 'op_1', total: 1, replayed: false } };
const unavailable = errorStep(503, 'unavailable');
const block = { type: 'number.block' as const, params: {}, targets: [{ msisdn: '+79160000001' }] };

/** The failures a request may be sent again after, as the stub makes them. */
const FAILURES: [string, Step][] = [
  ['429', errorStep(429, 'rate_limited')],
  ['502', errorStep(502, 'unavailable')],
  ['503', unavailable],
  ['504', errorStep(504, 'unavailable')],
  ['a reset connection', 'reset'],
  ['a timeout', 'hang'],
];

describe('full-jitter backoff', () => {
  it('waits between 0 and min(cap, base × 2^n) before retry n', () => {
    for (let n = 0; n < 12; n++) {
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** n);
      expect(backoffMs(n, BACKOFF_CAP_MS, () => 0)).toBe(0);
      expect(backoffMs(n, BACKOFF_CAP_MS, () => 0.999999)).toBeLessThan(ceiling);
      expect(backoffMs(n, BACKOFF_CAP_MS, () => 0.999999)).toBeGreaterThan(ceiling * 0.99);
      for (let i = 0; i < 200; i++) {
        const w = backoffMs(n, BACKOFF_CAP_MS);
        expect(w).toBeGreaterThanOrEqual(0);
        expect(w).toBeLessThan(ceiling);
      }
    }
  });

  it('keeps every wait of a request that keeps failing within its ceiling, 6 retries by default', async () => {
    expect(DEFAULT_RETRIES).toBe(6);
    const s = await stub([unavailable]);
    const { client, waits } = clientOf(s);
    await expect(client.call('me.show')).rejects.toMatchObject({ code: 'unavailable' });
    expect(s.seen).toHaveLength(7);
    expect(waits).toHaveLength(6);
    waits.forEach((w, n) => {
      expect(w).toBeGreaterThanOrEqual(0);
      expect(w).toBeLessThan(BACKOFF_BASE_MS * 2 ** n);
    });
    // The worst case of the documented sum: 0.2 + 0.4 + ... + 6.4 s.
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThan(12_600);
  });
});

describe('what is sent again', () => {
  it.each(FAILURES)('sends a GET again after %s', async (_, failure) => {
    const s = await stub([failure, me]);
    const { client, waits } = clientOf(s);
    await expect(client.call('me.show')).resolves.toMatchObject({ email: 'a@b.c' });
    expect(s.seen.map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(waits).toHaveLength(1);
  });

  it.each(FAILURES)(
    'sends a POST with an Idempotency-Key again, with the same key, after %s',
    async (_, failure) => {
      const s = await stub([failure, op]);
      const { client } = clientOf(s);
      await expect(
        client.call('operations.create', { body: block, idempotencyKey: 'k-1' }),
      ).resolves.toMatchObject({ id: 'op_1' });
      expect(s.seen.map((r) => `${r.method} ${r.key}`)).toEqual(['POST k-1', 'POST k-1']);
    },
  );

  it.each(FAILURES.filter(([name]) => name !== '429'))(
    'never sends a POST without a key again after %s: it reached the server and may have done its work',
    async (_, failure) => {
      const s = await stub([failure, me]);
      const { client, waits } = clientOf(s);
      await expect(client.call('auth.logout')).rejects.toBeDefined();
      expect(s.seen).toHaveLength(1);
      expect(waits).toEqual([]);
    },
  );

  it('never sends a change without a key again, nor a login (a wrong password counts)', async () => {
    const s = await stub([unavailable]);
    const { client } = clientOf(s);
    await expect(client.call('operations.create', { body: block })).rejects.toMatchObject({
      code: 'unavailable',
    });
    await expect(
      client.call('auth.login', { body: { login: 'a@b.c', password: 'x' } }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    expect(s.seen).toHaveLength(2);
  });

  it('sends any request again after a 429: a refusal, the server did nothing', async () => {
    const s = await stub([
      errorStep(429, 'rate_limited', { 'retry-after': '1' }),
      { status: 200, body: { ok: true } },
    ]);
    const { client, waits } = clientOf(s);
    await expect(client.call('auth.logout')).resolves.toEqual({ ok: true });
    expect(s.seen).toHaveLength(2);
    expect(waits).toEqual([1000]);
  });

  it('sends again a POST the contract declares safe: a report for a list of numbers', async () => {
    const s = await stub([unavailable, 'reset', { status: 200, body: { type: 'usage' } }]);
    const { client } = clientOf(s);
    await expect(
      client.call('reports.run', { params: { type: 'usage' }, body: { numbers: ['+79160000001'] } }),
    ).resolves.toMatchObject({ type: 'usage' });
    expect(s.seen.map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
  });

  it('sends a dry run of a change again (operations.create?dryRun=true), not the change itself', async () => {
    const s = await stub([unavailable, { status: 200, body: { items: [] } }]);
    const { client } = clientOf(s);
    await expect(
      client.call('operations.create', { body: block, query: { dryRun: true } }),
    ).resolves.toMatchObject({ items: [] });
    expect(s.seen.map((r) => r.url)).toEqual(['/v1/operations?dryRun=true', '/v1/operations?dryRun=true']);
  });

  it('makes one attempt only with retries: 0', async () => {
    const s = await stub([unavailable, me]);
    const { client, waits } = clientOf(s, { retries: 0 });
    await expect(client.call('me.show')).rejects.toMatchObject({ code: 'unavailable' });
    expect(s.seen).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('does not send again after a 500: a failure of the server that another try will not mend', async () => {
    const s = await stub([errorStep(500, 'internal'), me]);
    const { client } = clientOf(s);
    await expect(client.call('me.show')).rejects.toMatchObject({ code: 'internal' });
    expect(s.seen).toHaveLength(1);
  });
});

describe('Retry-After', () => {
  it('waits what a 503 asks, within the cap', async () => {
    const s = await stub([errorStep(503, 'unavailable', { 'retry-after': '7' }), me]);
    const { client, waits, notices } = clientOf(s);
    await expect(client.call('me.show')).resolves.toMatchObject({ id: 1 });
    expect(waits).toEqual([7000]);
    expect(notices).toEqual([['unavailable', 7000]]);
  });

  it('fails at once when it asks for more than the cap', async () => {
    const s = await stub([errorStep(503, 'unavailable', { 'retry-after': '61' }), me]);
    const { client, waits } = clientOf(s);
    await expect(client.call('me.show')).rejects.toMatchObject({
      name: 'RetryAfterTooLongError',
      waitSeconds: 61,
      maxWaitSeconds: 60,
    });
    expect(waits).toEqual([]);
    expect(s.seen).toHaveLength(1);
  });
});

describe('pacing from the RateLimit headers', () => {
  const page = (n: number, headers?: Record<string, string>): Step => ({
    status: 200,
    headers,
    body: { data: [{ msisdn: `+7916000000${n}` }], nextCursor: n < 3 ? `c${n}` : null },
  });

  it('waits for a request to come back when the window has none left', async () => {
    const s = await stub([
      {
        status: 200,
        headers: { 'ratelimit-limit': '100', 'ratelimit-remaining': '0', 'ratelimit-reset': '2' },
        body: { id: 1 },
      },
      me,
    ]);
    const { client, waits, notices } = clientOf(s);
    await client.call('me.show');
    expect(waits).toEqual([]);
    await client.call('me.show');
    // The 100 requests come back over 2 s: one every 20 ms.
    expect(waits).toEqual([20]);
    expect(notices.map(([reason]) => reason)).toEqual(['rate_limited']);
    expect(s.seen).toHaveLength(2);
  });

  it('goes at the rate the quota comes back once in the last tenth of the window', async () => {
    const s = await stub([
      {
        status: 200,
        headers: { 'ratelimit-limit': '100', 'ratelimit-remaining': '5', 'ratelimit-reset': '12' },
        body: {},
      },
      me,
    ]);
    const { client, waits } = clientOf(s);
    await client.call('me.show');
    await client.call('me.show');
    // 95 requests come back over 12 s: one every 127 ms (rounded up).
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(120);
    expect(waits[0]).toBeLessThanOrEqual(127);
  });

  it('does not slow down while the window has room', async () => {
    const s = await stub([
      {
        status: 200,
        headers: { 'ratelimit-limit': '100', 'ratelimit-remaining': '50', 'ratelimit-reset': '30' },
        body: {},
      },
    ]);
    const { client, waits } = clientOf(s);
    for (let i = 0; i < 20; i++) await client.call('me.show');
    // 50 left: the 20 requests leave 31, above the last tenth (10).
    expect(waits).toEqual([]);
  });

  it('never waits when the server sends no RateLimit headers', async () => {
    const s = await stub((_, n) => page(n % 4));
    const { client, waits } = clientOf(s);
    for (let i = 0; i < 5; i++) for await (const _ of client.paginate('numbers.list')) void _;
    expect(s.seen).toHaveLength(20);
    expect(waits).toEqual([]);
  });

  it('does not wait longer than the cap: the request goes and the server says', async () => {
    const s = await stub([
      { status: 200, headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': '3600' }, body: {} },
      me,
    ]);
    const { client, waits } = clientOf(s);
    await client.call('me.show');
    await client.call('me.show');
    expect(waits).toEqual([]);
  });
});

describe('paging after a failure', () => {
  /** Pages of two rows: the first without a cursor, then c1, c2, c3; `fails(cursor, n)` makes one fail. */
  function pagedServer(fails: (cursor: string | null, n: number) => boolean) {
    return stub((req, n) => {
      const cursor = new URL(req.url, 'http://x').searchParams.get('cursor');
      if (fails(cursor, n)) return unavailable;
      const i = cursor ? Number(cursor.slice(1)) : 0;
      return {
        status: 200,
        body: {
          data: [{ msisdn: `+7916000${i}01` }, { msisdn: `+7916000${i}02` }],
          nextCursor: i < 3 ? `c${i + 1}` : null,
        },
      };
    });
  }
  const cursorsOf = (s: StubServer) =>
    s.seen.map((r) => new URL(r.url, 'http://x').searchParams.get('cursor'));

  it('asks for the failed page again with its cursor, and never starts over', async () => {
    // The third page (c2) fails twice, then answers.
    let failures = 0;
    const s = await pagedServer((cursor) => cursor === 'c2' && failures++ < 2);
    const { client, lines } = clientOf(s);
    const rows: string[] = [];
    for await (const line of client.paginate('numbers.list', {}, 2)) rows.push(line.msisdn);
    expect(rows).toHaveLength(8);
    expect(cursorsOf(s)).toEqual([null, 'c1', 'c2', 'c2', 'c2', 'c3']);
    expect(lines.filter((l) => l.includes('retry'))).toEqual([
      expect.stringMatching(
        /^GET \/v1\/numbers\?limit=2&cursor=c2 -> 503 unavailable \[r503\], retry 1\/6 in \d+ ms$/,
      ),
      expect.stringMatching(
        /^GET \/v1\/numbers\?limit=2&cursor=c2 -> 503 unavailable \[r503\], retry 2\/6 in \d+ ms$/,
      ),
    ]);
  });

  it('says which page failed, and how many rows came before it, when a page fails for good', async () => {
    const s = await pagedServer((cursor) => cursor === 'c2');
    const { client } = clientOf(s, { retries: 2 });
    const rows: string[] = [];
    const error = await (async () => {
      for await (const line of client.paginate('numbers.list', {}, 2)) rows.push(line.msisdn);
    })().catch((e: unknown) => e);
    expect(rows).toHaveLength(4);
    expect(error).toMatchObject({ name: 'PageFailedError', page: 3, rows: 4 });
    expect((error as Error).cause).toMatchObject({ name: 'ApiError', code: 'unavailable' });
    expect(cursorsOf(s)).toEqual([null, 'c1', 'c2', 'c2', 'c2']);
  });

  it('gives the first page its own error: no rows came before it', async () => {
    const s = await pagedServer((cursor) => cursor === null);
    const { client } = clientOf(s, { retries: 0 });
    const error = await (async () => {
      for await (const _ of client.paginate('numbers.list')) void _;
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ApiError', code: 'unavailable' });
  });
});

describe('streams', () => {
  it('opens a download again after a 503, before any byte reached the caller', async () => {
    const s = await stub([unavailable, { status: 200, body: 'a,b\n1,2\n' }]);
    const { client } = clientOf(s);
    const body = await client.stream('detailRequests.file', { params: { id: 'dr_1' } });
    expect(await text(body)).toBe('a,b\n1,2\n');
    expect(s.seen).toHaveLength(2);
  });

  it('opens a call detail query again after a reset connection: a POST that changes nothing', async () => {
    const s = await stub(['reset', { status: 200, body: '{"msisdn":"+79160000001"}\n' }]);
    const { client } = clientOf(s);
    const body = await client.stream('cdr.query', {
      body: { numbers: ['+79160000001'], from: '2026-01-01', to: '2026-01-31' },
    });
    expect(await text(body)).toBe('{"msisdn":"+79160000001"}\n');
    expect(s.seen.map((r) => r.method)).toEqual(['POST', 'POST']);
  });

  it('opens a plan again after a 429: a POST that changes nothing', async () => {
    const s = await stub([
      errorStep(429, 'rate_limited', { 'retry-after': '1' }),
      { status: 200, body: '{"summary":{}}\n' },
    ]);
    const { client, waits, lines } = clientOf(s);
    const body = await client.stream('operations.plan', { body: block });
    expect(await text(body)).toBe('{"summary":{}}\n');
    expect(waits).toEqual([1000]);
    expect(lines).toEqual([
      'POST /v1/operations/plan -> 429 rate_limited [r429] (stream), retry 1/6 in 1000 ms',
      expect.stringMatching(/^POST \/v1\/operations\/plan -> 200 \[cli_[0-9a-f]+\] \(stream\)$/),
    ]);
  });
});

describe('the -v lines', () => {
  it('show each retry with its reason and wait, and the answer that ended it', async () => {
    const s = await stub(['reset', errorStep(502, 'unavailable'), me]);
    const { client, lines, waits } = clientOf(s);
    await client.call('me.show');
    expect(lines).toEqual([
      `GET /v1/me -> ECONNRESET (answer), retry 1/6 in ${Math.round(waits[0] as number)} ms`,
      `GET /v1/me -> 502 unavailable [r502], retry 2/6 in ${Math.round(waits[1] as number)} ms`,
      expect.stringMatching(/^GET \/v1\/me -> 200 \[cli_[0-9a-f]+\]$/),
    ]);
  });

  it('show the pacing wait and the window that asked for it', async () => {
    const s = await stub([
      { status: 200, headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': '2' }, body: {} },
      me,
    ]);
    const { client, lines } = clientOf(s);
    await client.call('me.show');
    await client.call('me.show');
    expect(lines[1]).toMatch(/^GET \/v1\/me: 0 requests left for 2 s \(RateLimit\), waiting \d+ ms$/);
  });
});

describe('a bulk submission whose answer was lost', () => {
  it('is sent again with the same key and gives one operation', async () => {
    // The backend replays by key: the second answer is the operation the first request made.
    const s = await stub(['reset', { status: 202, body: { id: 'op_1', total: 1, replayed: true } }]);
    const { client } = clientOf(s);
    const result = await client.call('operations.create', { body: block, idempotencyKey: 'k-7' });
    expect(result).toMatchObject({ id: 'op_1' });
    expect(s.seen.map((r) => `${r.method} ${r.url} ${r.key}`)).toEqual([
      'POST /v1/operations k-7',
      'POST /v1/operations k-7',
    ]);
  });
});
