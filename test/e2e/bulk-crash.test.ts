import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
import { expectTariffChangeAppliedOnce, readBackendDb } from '../support/exactly-once.js';
import { makeConfigHome, removeTempDirs } from '../support/run-vm.js';

const LINES = 25_000;
const TARGETS = 20_000;
/** Small worker transactions, so the operation takes long enough to be killed in the middle. */
const CHUNK = ['--chunk-size', '50'];

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
    await backend.kill();
    expect(seen.total).toBe(TARGETS);
    expect(seen.total - seen.queued).toBeGreaterThan(0);
    expect(seen.queued).toBeGreaterThan(0);

    // What the crash left on disk: the operation really was cut off in the middle.
    const atCrash = readBackendDb(dataDir, (db) => ({
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

    const tally = readBackendDb(dataDir, (db) => expectTariffChangeAppliedOnce(db, id, TARGETS));
    expect(tally).toEqual({
      state: final.state,
      succeeded: final.succeeded,
      skipped: final.skipped,
      failed: final.failed,
    });
    expect(tally.succeeded).toBeGreaterThan(0);
  }, 180_000);
});
