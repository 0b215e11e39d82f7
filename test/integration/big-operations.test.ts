import { jest } from '@jest/globals';
import type { OperationCreateBody, Plan, PlanItem, PlanSummary } from '../../src/api/operations.js';
import type { VmClient } from '../../src/client/client.js';
import type { Principal } from '../../src/backend/engine/authz.js';
import { rejection, startTestBackend, type TestBackend } from './harness.js';

/**
 * Big changes never hold the backend's thread: a dry run is made and sent a slice at a time (as JSON
 * lines from POST /v1/operations/plan, or as the one Plan document of ?dryRun=true), and an operation of
 * thousands of items is stored a slice at a time as `preparing`, which a restart drops and a cancel stops.
 */
const LINES = 300;
let b: TestBackend;
let admin: VmClient;
let token: string;
let msisdns: string[];

const ORIGIN = { ip: '127.0.0.1', client: 'test', requestId: 'req_test' };
/** `n` numbers: the company's own first, then numbers it does not have (planned as not_found). */
const targets = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ msisdn: msisdns[i] ?? `+7999${String(10_000_000 + i).slice(1)}` }));
const change = (n: number): OperationCreateBody => ({
  type: 'tariff.change',
  params: { tariff: 'SMART_PLUS' },
  targets: targets(n),
});
const principal = (): Principal => b.services.auth.authenticate(token);
/** One row of the backend's database, read with the test's own connection. */
const row = <T>(sql: string, ...args: unknown[]): T | undefined =>
  b
    .db()
    .prepare(sql)
    .get(...args) as T | undefined;
const operationCount = () => row<{ n: number }>('SELECT COUNT(*) AS n FROM operations')?.n;

/** The JSON lines of POST /v1/operations/plan, parsed. */
async function planLines(body: unknown): Promise<{ status: number; type: string; lines: unknown[] }> {
  const res = await fetch(new URL('/v1/operations/plan', b.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const lines = res.ok
    ? text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown)
    : [JSON.parse(text)];
  return { status: res.status, type: res.headers.get('content-type') ?? '', lines };
}

beforeAll(async () => {
  b = await startTestBackend({ lines: LINES });
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  const res = await b
    .client()
    .call('auth.login', { body: { login: 'admin@demo.test', password: 'admin-demo-1' } });
  token = res.token;
  msisdns = (await admin.call('numbers.list', { query: { limit: 1000 } })).data.map((n) => n.msisdn);
});
afterAll(async () => {
  await b.stop();
});

describe('a streamed plan (POST /v1/operations/plan)', () => {
  it('answers JSON lines: every item in target order, then the summary, the same as ?dryRun=true', async () => {
    const body = change(3000);
    const { status, type, lines } = await planLines(body);
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/x-ndjson/);
    const items = lines.slice(0, -1) as PlanItem[];
    const last = lines[lines.length - 1] as { summary: PlanSummary };
    expect(items.map((i) => i.msisdn)).toEqual(body.targets?.map((t) => t.msisdn));
    expect(last.summary.total).toBe(3000);
    expect(last.summary.apply + last.summary.skip + last.summary.fail).toBe(3000);
    expect(items.filter((i) => i.outcome === 'fail').length).toBe(last.summary.fail);

    const whole = (await admin.call('operations.create', {
      body,
      query: { dryRun: true },
    })) as unknown as Plan;
    const { items: wholeItems, ...wholeSummary } = whole;
    expect(wholeItems).toEqual(items);
    expect(wholeSummary).toEqual(last.summary);
  });

  it('refuses a bad body with the error object before the first line, and stores nothing', async () => {
    const before = operationCount();
    const bad = await planLines({
      type: 'tariff.change',
      params: { tariff: 'SMART' },
      targets: [{ msisdn: 'nope' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.lines[0]).toMatchObject({ error: { code: 'validation_failed' } });
    const viewer = await b.loginAs('viewer@demo.test', 'viewer-demo-1');
    const err = await rejection(viewer.stream('operations.plan', { body: change(5) }));
    expect(err.status).toBe(403);
    expect(operationCount()).toBe(before);
  });

  it('makes its items a slice at a time, letting the event loop run between slices', async () => {
    const run = await b.services.operations.plan(principal(), change(5000));
    const slices = run.slices();
    const first = await slices.next();
    expect(first.done).toBe(false);
    let turned = false;
    setImmediate(() => (turned = true));
    const second = await slices.next();
    // Without a turn between slices the second would be made before any waiting callback ran.
    expect(turned).toBe(true);
    let count = (first.value?.length ?? 0) + (second.value?.length ?? 0);
    let n = 2;
    for (let next = await slices.next(); !next.done; next = await slices.next()) {
      count += next.value.length;
      n++;
    }
    expect(count).toBe(5000);
    expect(n).toBeGreaterThan(2);
    expect(run.summary.apply + run.summary.skip + run.summary.fail).toBe(5000);
  });
});

describe('an operation of thousands of items', () => {
  it('is stored a slice at a time as preparing, then queued with every item once', async () => {
    const pending = b.services.operations.submit(principal(), change(5000), 'big-1', ORIGIN);
    await new Promise((r) => setImmediate(r));
    const midway = row<{ state: string; n: number }>(
      `SELECT o.state, (SELECT COUNT(*) FROM operation_items i WHERE i.operation_id = o.id) AS n
         FROM operations o WHERE idempotency_key = 'big-1'`,
    );
    expect(midway?.state).toBe('preparing');
    expect(midway?.n).toBeLessThan(5000);
    // The worker leaves an operation alone while it is prepared.
    const op = await pending;
    expect(['queued', 'running']).toContain(op.state);
    expect(op.total).toBe(5000);
    const seqs = row<{ n: number; targets: number; max: number }>(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT target) AS targets, MAX(seq) AS max FROM operation_items WHERE operation_id = ?`,
      op.id,
    );
    expect(seqs).toEqual({ n: 5000, targets: 5000, max: 5000 });
    // The same key again is the same operation.
    const again = await b.services.operations.submit(principal(), change(5000), 'big-1', ORIGIN);
    expect(again).toMatchObject({ id: op.id, replayed: true });
    await b.services.operations.cancel(principal(), op.id);
    await b.services.worker.idle();
  });

  it('stops storing when it is cancelled meanwhile, and counts every item cancelled', async () => {
    const pending = b.services.operations.submit(principal(), change(5000), 'big-2', ORIGIN);
    await new Promise((r) => setImmediate(r));
    const id = row<{ id: string }>(`SELECT id FROM operations WHERE idempotency_key = 'big-2'`)?.id ?? '';
    const cancelled = await b.services.operations.cancel(principal(), id);
    expect(cancelled.state).toBe('cancelled');
    const op = await pending;
    expect(op).toMatchObject({ id, state: 'cancelled', cancelled: 5000, succeeded: 0 });
    const left = row<{ n: number }>(
      `SELECT COUNT(*) AS n FROM operation_items WHERE operation_id = ? AND state != 'cancelled'`,
      id,
    );
    expect(left?.n).toBe(0);
  });

  it('is dropped by a restart while it was being stored; the same key then stores it anew', async () => {
    const pending = b.services.operations.submit(principal(), change(5000), 'big-3', ORIGIN);
    await new Promise((r) => setImmediate(r));
    const id = row<{ id: string }>(`SELECT id FROM operations WHERE idempotency_key = 'big-3'`)?.id ?? '';
    expect(id).toMatch(/^op_/);
    // The backend stops before the last slice is stored (as a kill would leave it).
    const dataDir = b.dataDir;
    await b.stop({ keepData: true });
    await pending.catch(() => undefined);
    b = await startTestBackend({ lines: LINES, dataDir });
    token = (
      await b.client().call('auth.login', { body: { login: 'admin@demo.test', password: 'admin-demo-1' } })
    ).token;
    admin = b.client(token);
    expect(row(`SELECT id FROM operations WHERE id = ?`, id)).toBeUndefined();
    expect(
      row<{ n: number }>(`SELECT COUNT(*) AS n FROM operation_items WHERE operation_id = ?`, id)?.n,
    ).toBe(0);
    const op = await admin.call('operations.create', { body: change(5000), idempotencyKey: 'big-3' });
    expect(op.replayed).toBeFalsy();
    expect(op.total).toBe(5000);
    expect(op.id).not.toBe(id);
  });
});

describe('the worker and a lock held past busy_timeout', () => {
  it('lives through SQLITE_BUSY: says so once on stderr and runs the work once the lock is free', async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      errors.push(String(chunk));
      return true;
    });
    const db = b.db();
    try {
      // Another connection takes the write lock and keeps it past the backend's 5 s busy_timeout.
      db.exec('BEGIN IMMEDIATE');
      b.services.worker.kick();
      await b.services.worker.idle().catch(() => undefined);
    } finally {
      db.exec('COMMIT');
      spy.mockRestore();
    }
    expect(errors.join('')).toMatch(
      /background work failed \(SqliteError: database is locked\); trying again/,
    );
    const op = await admin.call('operations.create', {
      body: { type: 'tariff.change', params: { tariff: 'SMART' }, targets: [{ msisdn: msisdns[0] ?? '' }] },
      idempotencyKey: 'after-busy',
    });
    const done = await admin.call('operations.show', { params: { id: op.id }, query: { wait: 10 } });
    expect(['succeeded', 'failed', 'partially_failed']).toContain(done.state);
  }, 20_000);
});
