import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Line } from '../../src/api/lines.js';
import type { Operation } from '../../src/api/operations.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import {
  adminVm,
  createToken,
  expectExit,
  makeFileDir,
  vmFor,
  vmJson,
  writeLines,
  type Vm,
} from '../support/bulk.js';
import { makeConfigHome, removeTempDirs } from '../support/run-vm.js';

const LINES = 25_000;
const TARGETS = 20_000;
/** Small worker transactions, so the operation takes long enough to be killed in the middle. */
const CHUNK = ['--chunk-size', '50'];

/** Resolves once the backend process has exited (at once if it already has). */
function exited(b: BackendProcess): Promise<void> {
  if (b.process.exitCode !== null || b.process.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => b.process.once('exit', () => resolve()));
}

/** Reads the backend's database read-only (the backend must not be running). */
function readDb<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, 'vm-backend.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

describe('a bulk change survives a backend crash', () => {
  let dataDir: string;
  let fileDir: string;
  let backend: BackendProcess | undefined;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-crash-'));
    fileDir = makeFileDir();
  });

  afterAll(async () => {
    await backend?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(fileDir, { recursive: true, force: true });
    removeTempDirs();
  });

  it('applies every item exactly once when the backend is killed mid-operation and restarted', async () => {
    backend = await startBackendProcess({ dataDir, lines: LINES, extraArgs: CHUNK });
    // An API token survives the restart (the new backend listens on another port).
    const token = await createToken(await adminVm(backend), 'crash-test');
    const home = makeConfigHome();
    let vm: Vm = vmFor(backend.url, home, token, 90_000);

    const lines = await vmJson<Line[]>(vm, 'numbers', 'list');
    expect(lines).toHaveLength(LINES);
    const targets = lines.slice(0, TARGETS).map((l) => l.msisdn);
    const file = writeLines(fileDir, 'targets.csv', ['msisdn', ...targets]);

    const submit = expectExit(
      await vm('tariff', 'set', 'VOICE_ECO', '--file', file, '--yes', '--no-wait'),
      0,
      'tariff set --no-wait',
    );
    const id = submit.stdout.trim();
    expect(id).toMatch(/^op_[0-9a-f]+$/);

    // Kill the backend as soon as the operation is known to be partly done.
    let seen: Operation | undefined;
    for (;;) {
      seen = await vmJson<Operation>(vm, 'ops', 'show', id);
      const done = seen.total - seen.queued;
      if (done > 0 || ['succeeded', 'partially_failed', 'failed', 'cancelled'].includes(seen.state)) break;
    }
    const killed = backend;
    process.kill(killed.process.pid as number, 'SIGKILL');
    await exited(killed);
    expect(seen.total).toBe(TARGETS);
    expect(seen.total - seen.queued).toBeGreaterThan(0);
    expect(seen.queued).toBeGreaterThan(0);

    // What the crash left on disk: the operation really was cut off in the middle.
    const atCrash = readDb(dataDir, (db) => ({
      state: (db.prepare('SELECT state FROM operations WHERE id = ?').get(id) as { state: string }).state,
      queued: (
        db
          .prepare("SELECT COUNT(*) AS n FROM operation_items WHERE operation_id = ? AND state = 'queued'")
          .get(id) as { n: number }
      ).n,
    }));
    expect(atCrash.state).toBe('running');
    expect(atCrash.queued).toBeGreaterThan(0);
    expect(atCrash.queued).toBeLessThan(TARGETS);

    // Same data dir: the demo company is not generated again; the worker resumes the operation.
    backend = await startBackendProcess({ dataDir, extraArgs: CHUNK });
    vm = vmFor(backend.url, home, token, 90_000);
    const wait = await vm('ops', 'wait', id);
    // 0 or 3 (some numbers may fail by rule); the stderr is in the message when it is neither.
    expect({ code: [0, 3].includes(wait.code) ? 'ok' : wait.code, stderr: wait.stderr }).toEqual({
      code: 'ok',
      stderr: expect.stringContaining(`Operation ${id}`),
    });
    const final = await vmJson<Operation>(vm, 'ops', 'show', id);
    expect(final.queued).toBe(0);
    expect(final.succeeded + final.skipped + final.failed).toBe(TARGETS);
    await backend.stop();
    backend = undefined;

    readDb(dataDir, (db) => {
      const byState = Object.fromEntries(
        (
          db
            .prepare('SELECT state, COUNT(*) AS n FROM operation_items WHERE operation_id = ? GROUP BY state')
            .all(id) as { state: string; n: number }[]
        ).map((r) => [r.state, r.n]),
      );
      // Every item ended, and the counters agree with the items.
      expect(Object.keys(byState).filter((s) => !['succeeded', 'skipped', 'failed'].includes(s))).toEqual([]);
      expect((byState.succeeded ?? 0) + (byState.skipped ?? 0) + (byState.failed ?? 0)).toBe(TARGETS);
      const op = db
        .prepare('SELECT state, succeeded, skipped, failed FROM operations WHERE id = ?')
        .get(id) as { state: string; succeeded: number; skipped: number; failed: number };
      expect(op).toEqual({
        state: final.state,
        succeeded: byState.succeeded ?? 0,
        skipped: byState.skipped ?? 0,
        failed: byState.failed ?? 0,
      });
      expect(op.succeeded).toBeGreaterThan(0);

      // One audit row per applied item, never two for one number.
      const audit = db
        .prepare(
          `SELECT target, COUNT(*) AS n FROM audit
           WHERE action = 'tariff.change' AND json_extract(params, '$.operationId') = ? GROUP BY target`,
        )
        .all(id) as { target: string; n: number }[];
      expect(audit.filter((a) => a.n > 1)).toEqual([]);
      expect(audit.reduce((sum, a) => sum + a.n, 0)).toBe(op.succeeded);

      // Each changed number was changed once; the others not at all.
      const items = db
        .prepare(
          `SELECT i.target, i.state, n.changes FROM operation_items i JOIN numbers n ON n.msisdn = i.target
           WHERE i.operation_id = ?`,
        )
        .all(id) as { target: string; state: string; changes: number }[];
      expect(items).toHaveLength(TARGETS);
      const wrong = items.filter((i) => i.changes !== (i.state === 'succeeded' ? 1 : 0));
      expect(wrong.slice(0, 10)).toEqual([]);
      const succeeded = new Set(items.filter((i) => i.state === 'succeeded').map((i) => i.target));
      expect(new Set(audit.map((a) => a.target))).toEqual(succeeded);
      const total = db.prepare('SELECT SUM(changes) AS n FROM numbers').get() as { n: number };
      expect(total.n).toBe(op.succeeded);
    });
  }, 180_000);
});
