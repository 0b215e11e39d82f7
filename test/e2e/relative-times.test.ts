import type { ApiToken } from '../../src/api/auth.js';
import type { Line } from '../../src/api/lines.js';
import type { Operation } from '../../src/api/operations.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { adminVm, createToken, expectExit, moveClock, vmFor, vmJson, type Vm } from '../support/bulk.js';
import { makeConfigHome, removeTempDirs } from '../support/run-vm.js';

/** Far from this machine's clock, as a test clock (or a badly skewed machine) is. */
const START = '2026-11-02T10:00:00Z';

describe("relative times (--at +1d, --until +2h, --expires 2d) count from the backend's clock", () => {
  let backend: BackendProcess;
  let vm: Vm;
  let number: string;

  beforeAll(async () => {
    backend = await startBackendProcess({ clock: START, testMode: true });
    const admin = await adminVm(backend);
    vm = vmFor(backend.url, makeConfigHome(), await createToken(admin, 'relative-times'));
    const lines = await vmJson<Line[]>(vm, 'numbers', 'list', '--status', 'active', '--limit', '1');
    number = (lines[0] as Line).msisdn;
  });

  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
  });

  it('schedules vm block --at +1d --until +2h at the backend time plus a day, not this machine’s', async () => {
    const r = await vm(
      'block',
      number,
      '--reason',
      'vacation',
      '--at',
      '+1d',
      '--until',
      '+2h',
      '--yes',
      '--no-wait',
    );
    expectExit(r, 0, 'block --at +1d --no-wait');
    expect(r.stderr).not.toMatch(/past/);
    const op = await vmJson<Operation>(vm, 'ops', 'show', r.stdout.trim());
    expect(op).toMatchObject({
      state: 'scheduled',
      scheduledAt: '2026-11-03T10:00:00.000Z',
      params: { reason: 'vacation', until: '2026-11-02T12:00:00.000Z' },
    });
    expectExit(await vm('ops', 'cancel', op.id), 0, 'ops cancel');
  });

  it('sets vm tokens create --expires 2d two days after the backend time', async () => {
    const admin = await adminVm(backend);
    expectExit(await admin('tokens', 'create', '--name', 'two-days', '--expires', '2d'), 0, 'tokens create');
    const tokens = await vmJson<ApiToken[]>(admin, 'tokens', 'list');
    expect(tokens.find((t) => t.name === 'two-days')?.expiresAt).toBe('2026-11-04T10:00:00.000Z');
  });

  it('follows the backend clock when it moves', async () => {
    await moveClock(backend.url, { now: '2026-11-03T06:30:00Z' });
    const r = await vm('block', number, '--reason', 'vacation', '--at', '+30m', '--yes', '--no-wait');
    expectExit(r, 0, 'block --at +30m --no-wait');
    const op = await vmJson<Operation>(vm, 'ops', 'show', r.stdout.trim());
    expect(op.scheduledAt).toBe('2026-11-03T07:00:00.000Z');
    expectExit(await vm('ops', 'cancel', op.id), 0, 'ops cancel');
  });
});
