import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Line, Service, Tariff } from '../../src/api/lines.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { adminVm, catalog, expectExit, linesByMsisdn, tariffOutcome, type Vm } from '../support/bulk.js';
import { removeTempDirs } from '../support/run-vm.js';

/**
 * vm plan / vm apply against a real backend: a saved plan is carried out exactly when nothing moved, and
 * refused with what moved when something did; --detailed-exitcode tells a CI job whether there is drift.
 */
describe('desired state: vm plan --out, vm apply PLAN', () => {
  let backend: BackendProcess;
  let vm: Vm;
  let dir: string;
  let cat: { tariffs: Map<string, Tariff>; services: Map<string, Service> };
  let lines: Line[];

  /** Numbers a test has changed: the next test picks others. */
  const used = new Set<string>();
  /** An active number and two other tariffs it may move to (offered in its region, no clashing service). */
  const pick = () => {
    for (const line of lines) {
      if (line.status !== 'active' || used.has(line.msisdn)) continue;
      const to = [...cat.tariffs.keys()].filter((code) => tariffOutcome(line, code, cat) === null);
      if (to.length < 2) continue;
      used.add(line.msisdn);
      return { line, to: to as [string, string] };
    }
    throw new Error('no active number with two tariffs to move to');
  };

  beforeAll(async () => {
    backend = await startBackendProcess({ lines: 60 });
    vm = await adminVm(backend);
    cat = await catalog(vm);
    lines = [...(await linesByMsisdn(vm)).values()];
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-state-'));
  });
  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('carries out a saved plan exactly, and then has nothing left to change', async () => {
    const { line: a, to } = pick();
    const { line: b } = pick();
    const state = path.join(dir, 'state.csv');
    fs.writeFileSync(state, `number,tariff,blocked\n${a.msisdn},${to[0]},\n${b.msisdn},,yes\n`);
    expectExit(await vm('plan', state, '--detailed-exitcode'), 2, 'vm plan --detailed-exitcode (drift)');
    const plan = path.join(dir, 'plan.json');
    expectExit(await vm('plan', state, '--out', plan), 0, 'vm plan --out');
    fs.rmSync(state);
    const applied = expectExit(await vm('apply', plan, '--yes'), 0, 'vm apply plan.json');
    expect(applied.stderr).toMatch(/tariff\.change/);
    const after = await linesByMsisdn(vm);
    expect(after.get(a.msisdn)).toMatchObject({ tariff: to[0] });
    expect(after.get(b.msisdn)).toMatchObject({ status: 'blocked', tariff: b.tariff });
    fs.writeFileSync(state, `number,tariff,blocked\n${a.msisdn},${to[0]},\n${b.msisdn},,yes\n`);
    expectExit(await vm('plan', state, '--detailed-exitcode'), 0, 'vm plan --detailed-exitcode (converged)');
  });

  it('refuses a saved plan when a number moved since, saying what moved, and changes nothing', async () => {
    const { line: a, to } = pick();
    const state = path.join(dir, 'moving.csv');
    fs.writeFileSync(state, `number,tariff\n${a.msisdn},${to[0]}\n`);
    const plan = path.join(dir, 'moving.json');
    expectExit(await vm('plan', state, '--out', plan), 0, 'vm plan --out');
    expectExit(await vm('tariff', 'set', to[1], a.msisdn, '--yes'), 0, 'vm tariff set (someone else)');
    const r = await vm('apply', plan, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Refusing the plan in ${plan}`);
    expect(r.stderr).toContain(`${a.msisdn} tariff: ${a.tariff} when planned, ${to[1]} now`);
    expect((await linesByMsisdn(vm)).get(a.msisdn)).toMatchObject({ tariff: to[1] });
  });
});
