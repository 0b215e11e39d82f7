import type { Line, LineDetail } from '../../src/api/lines.js';
import type { Operation } from '../../src/api/operations.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { adminVm, createToken, expectExit, moveClock, vmFor, vmJson, type Vm } from '../support/bulk.js';
import { makeConfigHome, removeTempDirs } from '../support/run-vm.js';

const START = '2026-11-02T10:00:00Z';

describe('scheduled blocks run by the backend clock, with no vm running', () => {
  let backend: BackendProcess;
  /** With an API token: a session would expire after 20 idle minutes of the moving clock. */
  let vm: Vm;
  let active: Line[];

  const statusOf = async (numbers: string[]) =>
    Promise.all(
      numbers.map(async (m) => {
        const l = await vmJson<LineDetail>(vm, 'numbers', 'show', m);
        return { msisdn: l.msisdn, status: l.status, blockReason: l.blockReason };
      }),
    );
  const allActive = (numbers: string[]) =>
    numbers.map((msisdn) => ({ msisdn, status: 'active', blockReason: null }));
  const allBlocked = (numbers: string[], reason: string) =>
    numbers.map((msisdn) => ({ msisdn, status: 'blocked', blockReason: reason }));

  beforeAll(async () => {
    backend = await startBackendProcess({ clock: START, testMode: true });
    const token = await createToken(await adminVm(backend), 'schedule-test');
    vm = vmFor(backend.url, makeConfigHome(), token);
    active = (await vmJson<Line[]>(vm, 'numbers', 'list', '--status', 'active')).filter(
      (l) => l.status === 'active',
    );
  });

  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
  });

  it('blocks two numbers at 18:00 for a vacation and unblocks them at 08:00 the next day', async () => {
    const numbers = active.slice(0, 2).map((l) => l.msisdn);
    expect(numbers).toHaveLength(2);

    const r = await vm(
      'block',
      ...numbers,
      '--reason',
      'vacation',
      '--at',
      '2026-11-02T18:00:00Z',
      '--until',
      '2026-11-03T08:00:00Z',
      '--yes',
    );
    expectExit(r, 0, 'block --at --until');
    const id = r.stdout.trim();
    expect(id).toMatch(/^op_[0-9a-f]+$/);

    const ops = await vmJson<Operation[]>(vm, 'ops', 'list', '--state', 'scheduled');
    expect(ops.find((o) => o.id === id)).toMatchObject({
      type: 'number.block',
      state: 'scheduled',
      scheduledAt: '2026-11-02T18:00:00.000Z',
      total: 2,
    });
    await moveClock(backend.url, { now: '2026-11-02T17:59:00Z' });
    expect(await statusOf(numbers)).toEqual(allActive(numbers));

    await moveClock(backend.url, { advanceSeconds: 60 }); // 18:00
    expect(await statusOf(numbers)).toEqual(allBlocked(numbers, 'vacation'));
    expect(await vmJson<Operation>(vm, 'ops', 'show', id)).toMatchObject({
      state: 'succeeded',
      succeeded: 2,
    });
    // The unblock at --until is now an operation of its own, waiting in the backend.
    const followUps = await vmJson<Operation[]>(vm, 'ops', 'list', '--state', 'scheduled');
    expect(followUps.filter((o) => o.parentId === id)).toEqual([
      expect.objectContaining({
        type: 'number.unblock',
        scheduledAt: '2026-11-03T08:00:00.000Z',
        total: 2,
      }),
    ]);

    await moveClock(backend.url, { now: '2026-11-03T07:59:00Z' });
    expect(await statusOf(numbers)).toEqual(allBlocked(numbers, 'vacation'));

    await moveClock(backend.url, { now: '2026-11-03T08:00:00Z' });
    expect(await statusOf(numbers)).toEqual(allActive(numbers));
  });

  it('never blocks a number whose scheduled block was cancelled, after the time has passed', async () => {
    const number = (active[2] as Line).msisdn;
    const r = await vm('block', number, '--reason', 'lost', '--at', '2026-11-05T09:00:00Z', '--yes');
    expectExit(r, 0, 'block --at');
    const id = r.stdout.trim();
    expect(id).toMatch(/^op_[0-9a-f]+$/);
    expect(await vmJson<Operation>(vm, 'ops', 'show', id)).toMatchObject({ state: 'scheduled', total: 1 });

    expectExit(await vm('ops', 'cancel', id), 0, 'ops cancel');
    await moveClock(backend.url, { now: '2026-11-05T09:00:00Z' });
    await moveClock(backend.url, { advanceSeconds: 3600 });
    expect(await statusOf([number])).toEqual(allActive([number]));
    expect(await vmJson<Operation>(vm, 'ops', 'show', id)).toMatchObject({
      state: 'cancelled',
      cancelled: 1,
      succeeded: 0,
    });
  });
});
