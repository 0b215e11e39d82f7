import { prng } from '../../src/domain/cdr.js';
import { drawFault, parseFaultSpec, type FaultDraw, type FaultSpec } from '../../src/domain/fault-spec.js';
import { rawRequest, type RawResult } from '../support/raw-http.js';
import { startTestBackend, type TestBackend } from './harness.js';

/**
 * Fault injection over real HTTP: 503s with the error object, reset connections before and after the
 * work, latency and stalls — never on the OpenAPI document or the status — and the same faults for the
 * same seed.
 */

const get = (b: TestBackend, path: string, token?: string): Promise<RawResult> =>
  rawRequest(b.url, { method: 'GET', path, headers: token ? { authorization: `Bearer ${token}` } : {} });

/** What one answer was, for comparing runs: its status, or the network error in its place. */
const outcome = (r: RawResult) => (r.networkError ? 'reset' : String(r.status));

/** The first seed whose draws for a spec begin with `wanted` (what each request in turn gets). */
function seedFor(spec: FaultSpec, wanted: FaultDraw['drop'][]): number {
  for (let seed = 1; seed < 10_000; seed++) {
    const random = prng(seed);
    if (wanted.every((drop) => drawFault(spec, random).drop === drop)) return seed;
  }
  throw new Error('no seed gives those draws');
}

describe('error=1', () => {
  let b: TestBackend;
  beforeAll(async () => {
    b = await startTestBackend({ lines: 10, faults: { spec: parseFaultSpec('error=1'), seed: 1 } });
  });
  afterAll(async () => {
    await b.stop();
  });

  it('answers 503 with the error object on /v1/me, before asking who calls', async () => {
    const r = await get(b, '/v1/me');
    expect(r.status).toBe(503);
    expect(r.json.error).toMatchObject({ code: 'unavailable', details: { reason: 'injected_fault' } });
    expect(r.json.error?.requestId).toBe(r.headers['x-request-id']);
  });

  it('never touches /v1/openapi.json, /v1/status nor the test routes', async () => {
    expect((await get(b, '/v1/openapi.json')).status).toBe(200);
    // The status needs a login: 401, not 503.
    expect((await get(b, '/v1/status')).status).toBe(401);
    expect((await get(b, '/v1/test/clock')).status).toBe(200);
  });
});

describe('drop=1', () => {
  it('resets the connection instead of answering', async () => {
    const b = await startTestBackend({ lines: 10, faults: { spec: parseFaultSpec('drop=1'), seed: 1 } });
    try {
      const answers = await Promise.all([get(b, '/v1/me'), get(b, '/v1/me'), get(b, '/v1/me')]);
      expect(answers.map((a) => a.networkError)).toEqual(['ECONNRESET', 'ECONNRESET', 'ECONNRESET']);
      expect((await get(b, '/v1/openapi.json')).status).toBe(200);
    } finally {
      await b.stop();
    }
  });
});

describe('a connection reset after the work', () => {
  const spec = parseFaultSpec('drop=0.5');
  let b: TestBackend;
  beforeAll(async () => {
    // Login answered, the change done and its answer dropped, then answered again.
    const seed = seedFor(spec, [null, 'after', null]);
    b = await startTestBackend({ lines: 10, faults: { spec, seed } });
  });
  afterAll(async () => {
    await b.stop();
  });

  it('leaves the change done once: a retry with the same Idempotency-Key gets the same operation', async () => {
    const login = await rawRequest(b.url, {
      path: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'admin@demo.test', password: 'admin-demo-1' }),
    });
    expect(login.status).toBe(200);
    const msisdn = b.db().prepare('SELECT msisdn FROM numbers LIMIT 1').pluck().get() as string;
    const submit = () =>
      rawRequest(b.url, {
        path: '/v1/operations',
        headers: {
          authorization: `Bearer ${String(login.json.token)}`,
          'content-type': 'application/json',
          'idempotency-key': 'faults-test-1',
        },
        body: JSON.stringify({ type: 'number.block', params: { reason: 'vacation' }, targets: [{ msisdn }] }),
      });
    const dropped = await submit();
    expect(dropped.networkError).toBe('ECONNRESET');
    const operations = () =>
      b.db().prepare("SELECT id FROM operations WHERE idempotency_key = 'faults-test-1'").pluck().all();
    // The client cannot tell, but the work was done, and audited as done.
    expect(operations()).toHaveLength(1);
    const retried = await submit();
    expect(retried.status).toBe(202);
    expect(retried.json.id).toBe(operations()[0]);
    expect(operations()).toHaveLength(1);
    const audited = b
      .db()
      .prepare("SELECT result FROM audit WHERE action = 'operations.create'")
      .pluck()
      .all() as string[];
    expect(audited).toEqual(['ok', 'ok']);
  });
});

describe('latency and slow', () => {
  it('hold every request for the latency, and a slow one for its stall before the answer', async () => {
    const b = await startTestBackend({
      lines: 10,
      faults: { spec: parseFaultSpec('latency=150ms,slow=1:250ms'), seed: 1 },
    });
    try {
      const started = Date.now();
      expect((await get(b, '/v1/me')).status).toBe(401);
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      const doc = Date.now();
      expect((await get(b, '/v1/openapi.json')).status).toBe(200);
      expect(Date.now() - doc).toBeLessThan(400);
    } finally {
      await b.stop();
    }
  });
});

describe('a seeded run', () => {
  /** The outcomes of 16 requests one after another on a fresh backend with these faults. */
  async function run(seed: number): Promise<string[]> {
    const spec = parseFaultSpec('error=0.3,drop=0.2');
    const b = await startTestBackend({ lines: 10, faults: { spec, seed } });
    try {
      const outcomes: string[] = [];
      for (let i = 0; i < 16; i++) outcomes.push(outcome(await get(b, '/v1/me')));
      return outcomes;
    } finally {
      await b.stop();
    }
  }

  it('repeats: the same seed gives the same answers to the same requests', async () => {
    const first = await run(11);
    expect(await run(11)).toEqual(first);
    // A mix, so the comparison means something: 401 (no fault), 503 and resets.
    expect(new Set(first)).toEqual(new Set(['401', '503', 'reset']));
  });
});
