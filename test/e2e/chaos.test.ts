import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Operation } from '../../src/api/operations.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import {
  createToken,
  expectExit,
  makeFileDir,
  operationIdIn,
  vmFor,
  vmJson,
  writeLines,
  type Vm,
} from '../support/bulk.js';
import {
  expectTariffChangeAppliedOnce,
  readBackendDb,
  type OperationTally,
} from '../support/exactly-once.js';
import { demo, loginAs, makeConfigHome, removeTempDirs } from '../support/run-vm.js';

/**
 * The real vm against the real backend misbehaving on purpose: every list complete, every change and
 * payment made exactly once, through 503s, connection resets before and after the work, and a kill -9.
 *
 * The faults are the ones `vm help environment` ("Retries") sizes the retry policy for: error=0.2 and
 * drop=0.05, an attempt failing with p = 0.24, a request failing all 7 of its attempts with 0.24^7 ≈
 * 4.6e-5. latency=5ms rather than the help's 20 ms: every request still waits, and the 525 requests of
 * the listing test wait 2.6 s in all instead of 10.5. No `slow`: a 5 s stall only costs time (timeouts
 * have tests of their own). Each backend has a fixed --faults-seed: the backend draws each request's
 * faults in arrival order and vm sends one request at a time, so a run repeats; each seed was picked (by
 * replaying `drawFault` over the requests a test sends up to the one that matters) so that the fault the
 * test is about happens, and the backend's log of faults (--log-level debug) proves that it did: no test
 * passes on a quiet run.
 */

const FAULTS = 'error=0.2,latency=5ms,drop=0.05';
const TARIFF = 'VOICE_ECO';

/** How one attempt of a request ended, as the backend's debug log tells it. */
type Attempt = 'answered' | (typeof FAULT_KINDS)[number];
const FAULT_KINDS = ['503', 'drop before', 'drop after'] as const;

/** One request of vm (its X-Request-Id is the same on every retry) and how each of its attempts ended. */
interface LoggedRequest {
  method: string;
  url: string;
  attempts: Attempt[];
}

/** The requests in the backend's debug log (pino JSON lines), in the order they first arrived. */
function requestsIn(log: string): LoggedRequest[] {
  const byId = new Map<string, LoggedRequest>();
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as {
      reqId?: string;
      msg: string;
      req?: { method: string; url: string };
      fault?: string;
      when?: string;
    };
    if (entry.reqId === undefined) continue;
    if (entry.msg === 'incoming request' && entry.req) {
      const request = byId.get(entry.reqId) ?? { method: entry.req.method, url: entry.req.url, attempts: [] };
      request.attempts.push('answered');
      byId.set(entry.reqId, request);
    } else if (entry.fault === 'error' || entry.fault === 'drop') {
      // A fault is logged after its request came in: it is how that request's latest attempt ended.
      const attempts = (byId.get(entry.reqId) as LoggedRequest).attempts;
      attempts[attempts.length - 1] =
        entry.fault === 'error' ? '503' : entry.when === 'after' ? 'drop after' : 'drop before';
    }
  }
  return [...byId.values()];
}

/** The attempts of the one request to `method path` in the log (failing when there is not exactly one). */
function attemptsOf(log: string, method: string, path: string): Attempt[] {
  const requests = requestsIn(log).filter((r) => r.method === method && r.url === path);
  expect(requests).toHaveLength(1);
  return (requests[0] as LoggedRequest).attempts;
}

/**
 * Runs a setup step until it works. vm does not send a login or a token creation again after a fault (a
 * login may have counted, a token may have been made), so the test runs it again, as a person would.
 */
async function untilItWorks<T>(step: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await step();
    } catch (err) {
      if (tries === 10) throw err;
    }
  }
}

/** A backend with these faults and seed, on a data dir of the test's own (kept for a restart and the checks). */
function faultyBackend(
  dataDir: string,
  faults: string,
  seed: number,
  more: { lines?: number; args?: string[] } = {},
) {
  return startBackendProcess({
    dataDir,
    lines: more.lines,
    extraArgs: [
      '--faults',
      faults,
      '--faults-seed',
      String(seed),
      '--log-level',
      'debug',
      ...(more.args ?? []),
    ],
  });
}

/** A logged-in `Vm` for the demo admin on a backend with faults. */
async function adminThroughFaults(b: BackendProcess, timeoutMs?: number): Promise<Vm> {
  const home = makeConfigHome();
  await untilItWorks(() => loginAs(b.url, home, demo.admin.email, demo.admin.password));
  return vmFor(b.url, home, undefined, timeoutMs);
}

/** The operations the backend holds, with whether each came with an Idempotency-Key. */
function operationsIn(dataDir: string): { id: string; keyed: number }[] {
  return readBackendDb(dataDir, (db) =>
    db.prepare('SELECT id, idempotency_key IS NOT NULL AS keyed FROM operations').all(),
  ) as { id: string; keyed: number }[];
}

/** Every number of the backend, in msisdn order. */
function msisdnsIn(dataDir: string): string[] {
  return readBackendDb(dataDir, (db) =>
    db.prepare('SELECT msisdn FROM numbers ORDER BY msisdn').pluck().all(),
  ) as string[];
}

/** The line vm ends a change with. */
const summary = (id: string, t: OperationTally) =>
  `Operation ${id} ${t.state}: ${t.succeeded} changed, ${t.skipped} skipped, ${t.failed} failed, 0 cancelled.`;

describe('vm against a backend with faults', () => {
  const dirs: string[] = [];
  const backends: BackendProcess[] = [];
  let fileDir: string;

  /** A fresh data dir, removed after the file. */
  const dataDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-chaos-'));
    dirs.push(dir);
    return dir;
  };
  /** Starts a backend that afterAll stops whatever happens. */
  const started = async (b: Promise<BackendProcess>) => {
    backends.push(await b);
    return backends[backends.length - 1] as BackendProcess;
  };

  beforeAll(() => {
    fileDir = makeFileDir();
  });

  afterAll(async () => {
    for (const b of backends) await b.stop();
    for (const dir of [...dirs, fileDir]) fs.rmSync(dir, { recursive: true, force: true });
    removeTempDirs();
  });

  it('lists 20,000 numbers completely 20 times in a row, each exactly once, resuming at the failed page', async () => {
    const LINES = 20_000;
    const RUNS = 20;
    const dir = dataDir();
    // Seed 1: the login goes through at once, and none of the 400 pages fails all its 7 attempts.
    const backend = await started(faultyBackend(dir, FAULTS, 1, { lines: LINES }));
    const vm = await adminThroughFaults(backend);
    const all = new Set(msisdnsIn(dir));
    expect(all.size).toBe(LINES);

    for (let run = 1; run <= RUNS; run++) {
      const r = expectExit(await vm('numbers', 'list', '--jsonl'), 0, `numbers list, run ${run}`);
      const listed = r.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { msisdn: string }).msisdn);
      const distinct = new Set(listed);
      expect({
        run,
        lines: listed.length,
        distinct: distinct.size,
        missing: [...all].filter((m) => !distinct.has(m)).slice(0, 5),
      }).toEqual({ run, lines: LINES, distinct: LINES, missing: [] });
    }

    await backend.stop();
    const pages = requestsIn(backend.stderr()).filter(
      (r) => r.method === 'GET' && r.url.startsWith('/v1/numbers?'),
    );
    // 20 pages of 1000 a run, each asked once: a failed attempt was sent again for the same page (the
    // same request id), answered exactly once in the end, and no listing started over.
    expect(pages).toHaveLength(RUNS * (LINES / 1000));
    expect(pages.filter((p) => p.attempts.indexOf('answered') !== p.attempts.length - 1)).toEqual([]);
    const faults = pages.flatMap((p) => p.attempts.slice(0, -1));
    const count = (kind: Attempt) => faults.filter((f) => f === kind).length;
    // Seed 1 gives exactly these (a seeded run repeats): every kind, many times.
    expect({ faults: faults.length, ...Object.fromEntries(FAULT_KINDS.map((k) => [k, count(k)])) }).toEqual({
      faults: 125,
      '503': 98,
      'drop before': 11,
      'drop after': 16,
    });
  }, 150_000);

  it('applies a tariff change of 2,000 numbers exactly once, its submission dropped before and after the work', async () => {
    const LINES = 2_000;
    const dir = dataDir();
    // Seed 7322: the login and the read of the tariff catalog go through, then the submission is dropped after the work (the operation is
    // stored, its answer lost), dropped before it, answered 503, and accepted: the same operation, by key.
    const backend = await started(faultyBackend(dir, FAULTS, 7322, { lines: LINES }));
    const vm = await adminThroughFaults(backend, 60_000);
    const file = writeLines(fileDir, 'chaos-2000.csv', ['msisdn', ...msisdnsIn(dir)]);

    const r = await vm('tariff', 'set', TARIFF, '--file', file, '--yes');
    // 0 or 3 (some numbers fail by rule); the stderr is in the message when it is neither.
    expect({ code: [0, 3].includes(r.code) ? 'ok' : r.code, stderr: r.stderr }).toEqual({
      code: 'ok',
      stderr: expect.stringContaining('Operation op_'),
    });
    const id = operationIdIn(r.stderr);
    await backend.stop();

    expect(attemptsOf(backend.stderr(), 'POST', '/v1/operations')).toEqual([
      'drop after',
      'drop before',
      '503',
      'answered',
    ]);
    // One operation, made with the CLI's key, though the backend did the work of an attempt whose
    // answer never came.
    expect(operationsIn(dir)).toEqual([{ id, keyed: 1 }]);
    const tally = readBackendDb(dir, (db) => expectTariffChangeAppliedOnce(db, id, LINES));
    // What vm said is what happened.
    expect(r.code).toBe(tally.failed === 0 ? 0 : 3);
    expect(r.stderr).toContain(summary(id, tally));
  }, 90_000);

  it('makes a payment exactly once when its answer is lost after the work', async () => {
    const dir = dataDir();
    const AMOUNT = 150_000; // 1500.00
    const ACCOUNT = '4001001';
    // drop=0.5: every other connection is reset, half of them after the work. Seed 9: the login is
    // dropped after the work (a session made, its answer lost) and then goes through; the payment is
    // dropped after the work twice, so it is made, and its answer lost twice, before vm hears of it.
    // The manual clock keeps billing from moving the balance meanwhile.
    const backend = await started(
      faultyBackend(dir, 'drop=0.5', 9, { args: ['--clock', '2026-11-20T10:00:00Z'] }),
    );
    const vm = await adminThroughFaults(backend);
    const balance = () =>
      readBackendDb(dir, (db) =>
        db.prepare('SELECT balance FROM accounts WHERE id = ?').pluck().get(ACCOUNT),
      ) as number;
    const before = balance();

    expectExit(await vm('pay', '--account', ACCOUNT, '--amount', '1500.00'), 0, 'vm pay');
    await backend.stop();

    expect(attemptsOf(backend.stderr(), 'POST', '/v1/payments')).toEqual([
      'drop after',
      'drop after',
      'answered',
    ]);
    const payments = readBackendDb(dir, (db) =>
      db.prepare('SELECT account_id, amount, kind, idempotency_key IS NOT NULL AS keyed FROM payments').all(),
    );
    expect(payments).toEqual([{ account_id: ACCOUNT, amount: AMOUNT, kind: 'top_up', keyed: 1 }]);
    expect(balance() - before).toBe(AMOUNT);
  }, 60_000);

  it('applies a 20,000-number change exactly once through faults and a kill -9 in the middle', async () => {
    const LINES = 20_000;
    /** Small worker transactions, so the operation takes long enough to be killed in the middle. */
    const CHUNK = ['--chunk-size', '50'];
    const dir = dataDir();
    // Seed 2434: the login, the token and the catalog read go through, then the submission of 20,000 numbers is dropped
    // after the work, dropped before it, answered 503, and accepted (the stored operation, by key).
    let backend = await started(faultyBackend(dir, FAULTS, 2434, { lines: LINES, args: CHUNK }));
    const admin = await adminThroughFaults(backend);
    // An API token survives the restart (the new backend listens on another port).
    const token = await untilItWorks(() => createToken(admin, 'chaos-test'));
    const home = makeConfigHome();
    let vm = vmFor(backend.url, home, token, 90_000);
    const file = writeLines(fileDir, 'chaos-20000.csv', ['msisdn', ...msisdnsIn(dir)]);

    const submit = expectExit(
      await vm('tariff', 'set', TARIFF, '--file', file, '--yes', '--no-wait'),
      0,
      'tariff set --no-wait',
    );
    const id = submit.stdout.trim();
    expect(id).toMatch(/^op_[0-9a-f]+$/);

    // Kill the backend as soon as the operation is known to be partly done.
    let seen: Operation;
    do seen = await vmJson<Operation>(vm, 'ops', 'show', id);
    while (seen.total === seen.queued);
    const crashed = backend;
    await crashed.kill();
    expect(seen.total).toBe(LINES);
    expect(seen.queued).toBeGreaterThan(0);
    const queuedAtCrash = readBackendDb(
      dir,
      (db) =>
        db
          .prepare("SELECT COUNT(*) FROM operation_items WHERE operation_id = ? AND state = 'queued'")
          .pluck()
          .get(id) as number,
    );
    expect(queuedAtCrash).toBeGreaterThan(0);
    expect(queuedAtCrash).toBeLessThan(LINES);
    expect(attemptsOf(crashed.stderr(), 'POST', '/v1/operations')).toEqual([
      'drop after',
      'drop before',
      '503',
      'answered',
    ]);

    // Same data dir, same faults, another seed: the worker resumes the operation.
    backend = await started(faultyBackend(dir, FAULTS, 2435, { args: CHUNK }));
    vm = vmFor(backend.url, home, token, 90_000);
    const wait = await vm('ops', 'wait', id);
    expect({ code: [0, 3].includes(wait.code) ? 'ok' : wait.code, stderr: wait.stderr }).toEqual({
      code: 'ok',
      stderr: expect.stringContaining(`Operation ${id}`),
    });
    await backend.stop();

    expect(operationsIn(dir)).toEqual([{ id, keyed: 1 }]);
    const tally = readBackendDb(dir, (db) => expectTariffChangeAppliedOnce(db, id, LINES));
    expect(wait.code).toBe(tally.failed === 0 ? 0 : 3);
    expect(wait.stderr).toContain(summary(id, tally));
  }, 150_000);
});
