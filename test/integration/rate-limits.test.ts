import { DEFAULT_RATE_LIMITS, type RateLimits } from '../../src/domain/rate-limit-spec.js';
import { startTestBackend, type TestBackend } from './harness.js';

/**
 * The backend's rate limits over real HTTP: token buckets per token or session (reads and changes apart)
 * and per address, a 429 with the error object and Retry-After over them, and the RateLimit-* headers
 * on every answer of a limited route.
 */

interface Answer {
  status: number;
  headers: Headers;
  body: { error?: { code: string; requestId: string; details?: Record<string, unknown> } };
}

async function get(b: TestBackend, path: string, token?: string): Promise<Answer> {
  const res = await fetch(`${b.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] };
}

async function login(b: TestBackend, email: string, password: string): Promise<string> {
  const res = await fetch(`${b.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: email, password }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

const rateHeaders = (a: Answer) => [
  a.headers.get('ratelimit-limit'),
  a.headers.get('ratelimit-remaining'),
  a.headers.get('ratelimit-reset'),
];

/** Reads: 3 at once, then 1 a second (slow enough for a busy machine); changes and the address roomy. */
const TIGHT_READS: RateLimits = { ...DEFAULT_RATE_LIMITS, read: { perSecond: 1, burst: 3 } };

describe('rate limits per token or session', () => {
  let b: TestBackend;
  let admin: string;
  let viewer: string;
  beforeAll(async () => {
    b = await startTestBackend({ lines: 20, rateLimits: TIGHT_READS });
    admin = await login(b, 'admin@demo.test', 'admin-demo-1');
    viewer = await login(b, 'viewer@demo.test', 'viewer-demo-1');
  });
  afterAll(async () => {
    await b.stop();
  });

  it('answer a burst over the limit with 429, Retry-After and the RateLimit headers', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 4; i++) answers.push(await get(b, '/v1/me', admin));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    // Every answer says how much is left: 3 at once, counting down.
    expect(answers.map((a) => a.headers.get('ratelimit-limit'))).toEqual(['3', '3', '3', '3']);
    expect(answers.map((a) => a.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(answers.every((a) => Number(a.headers.get('ratelimit-reset')) >= 1)).toBe(true);
    const refused = answers[3] as Answer;
    expect(refused.body.error).toMatchObject({
      code: 'rate_limited',
      details: { reason: 'too_many_requests', limit: 'read', retryAfter: 1 },
    });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('x-request-id')).toBe(refused.body.error?.requestId);
  });

  it('keep each token apart: another session still reads, and changes count apart from reads', async () => {
    expect((await get(b, '/v1/me', admin)).status).toBe(429);
    const other = await get(b, '/v1/me', viewer);
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-remaining')).toBe('2');
    // A change of the refused session is not a read: it passes (and ends that session).
    const logout = await fetch(`${b.url}/v1/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(logout.status).toBe(200);
    expect(logout.headers.get('ratelimit-limit')).toBe(String(TIGHT_READS.write.burst));
  });

  it('refill at the rate: a token back every second at 1 a second', async () => {
    for (let i = 0; i < 3; i++) await get(b, '/v1/me', viewer);
    expect((await get(b, '/v1/me', viewer)).status).toBe(429);
    await new Promise((r) => setTimeout(r, 1100));
    const again = await get(b, '/v1/me', viewer);
    expect(again.status).toBe(200);
    expect(again.headers.get('ratelimit-remaining')).toBe('0');
  });

  it('carry the headers on error answers too, and leave the OpenAPI document alone', async () => {
    const unknownToken = await get(b, '/v1/me', 'vmt_not_a_token');
    expect(unknownToken.status).toBe(401);
    expect(rateHeaders(unknownToken)).toEqual(['3', '2', '1']);
    for (let i = 0; i < 5; i++) {
      const doc = await fetch(`${b.url}/v1/openapi.json`);
      expect(doc.status).toBe(200);
      expect(doc.headers.get('ratelimit-limit')).toBeNull();
      await doc.arrayBuffer();
    }
  });
});

describe('the rate limit per address', () => {
  let b: TestBackend;
  beforeAll(async () => {
    b = await startTestBackend({
      lines: 20,
      rateLimits: { ...DEFAULT_RATE_LIMITS, ip: { perSecond: 0.5, burst: 4 } },
    });
  });
  afterAll(async () => {
    await b.stop();
  });

  it('counts every request of the address, whatever its token, and its headers show the nearer limit', async () => {
    const first = await get(b, '/v1/me', 'vmt_a');
    // The address allows 4 at once, the token 40: the address is nearer its end.
    expect(rateHeaders(first)).toEqual(['4', '3', '2']);
    await get(b, '/v1/me', 'vmt_b');
    await get(b, '/v1/me');
    await get(b, '/v1/me', 'vmt_c');
    const refused = await get(b, '/v1/me', 'vmt_d');
    expect(refused.status).toBe(429);
    // A token comes back every 2 s.
    expect(refused.body.error?.details).toMatchObject({ limit: 'ip', retryAfter: 2 });
    expect(refused.headers.get('retry-after')).toBe('2');
  });
});

describe('a backend without rate limits', () => {
  it('answers without RateLimit headers (the test harness runs so by default)', async () => {
    const b = await startTestBackend({ lines: 10 });
    try {
      const answers = await Promise.all(Array.from({ length: 60 }, () => get(b, '/v1/me')));
      expect(answers.every((a) => a.status === 401 && a.headers.get('ratelimit-limit') === null)).toBe(true);
    } finally {
      await b.stop();
    }
  });
});
