import fs from 'node:fs';
import path from 'node:path';
import type { Account, Line, LineDetail, Service, Tariff } from '../../src/api/lines.js';
import type { Operation, OperationItem, Plan } from '../../src/api/operations.js';
import { TARIFF_CHANGE_FEE } from '../../src/domain/operations.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import {
  adminVm,
  catalog,
  expectExit,
  makeFileDir,
  messySpelling,
  operationIdIn,
  parseTsv,
  tariffOutcome,
  vmJson,
  writeLines,
  type Vm,
} from '../support/bulk.js';
import { parseJson, removeTempDirs } from '../support/run-vm.js';

/** UNLIM is offered everywhere but NSK, and several services clash with it: failures of three kinds. */
const TARIFF = 'UNLIM';

describe('vm tariff set on a thousand numbers from a CSV', () => {
  let backend: BackendProcess;
  let vm: Vm;
  let dir: string;
  let cat: { tariffs: Map<string, Tariff>; services: Map<string, Service> };
  /** The lines as the backend started, in list order. */
  let initial: Line[];
  /** Numbers the change would apply to, not yet used by any test (tests take from the front). */
  let applicable: Line[];
  /** Numbers the change would fail on, each with the reason, not yet used by any test. */
  let failing: { line: Line; code: string }[];

  const take = <T>(list: T[], n: number): T[] => {
    if (list.length < n)
      throw new Error(`the demo company has too few numbers: need ${n}, have ${list.length}`);
    return list.splice(0, n);
  };

  /** The whole state a change could touch, as the CLI shows it. */
  const snapshot = async (): Promise<{ lines: string; operations: number }> => {
    const [lines, ops] = await Promise.all([
      vm('numbers', 'list', '--json'),
      vmJson<Operation[]>(vm, 'ops', 'list', '--limit', '1000'),
    ]);
    return { lines: expectExit(lines, 0, 'numbers list').stdout, operations: ops.length };
  };

  beforeAll(async () => {
    backend = await startBackendProcess({ lines: 3000 });
    vm = await adminVm(backend);
    dir = makeFileDir();
    const [lines, accounts, c] = await Promise.all([
      vmJson<Line[]>(vm, 'numbers', 'list'),
      vmJson<Account[]>(vm, 'accounts', 'list'),
      catalog(vm),
    ]);
    initial = lines;
    cat = c;
    // Only accounts that could pay a tariff change for every one of their numbers: no balance failures.
    const rich = new Set(
      accounts
        .filter((a) => (a.balance ?? 0) + (a.creditLimit ?? 0) >= TARIFF_CHANGE_FEE * a.numbers)
        .map((a) => a.id),
    );
    applicable = lines.filter((l) => rich.has(l.accountId) && tariffOutcome(l, TARIFF, cat) === null);
    failing = lines.flatMap((line) => {
      const code = tariffOutcome(line, TARIFF, cat);
      return code && code !== 'skip' ? [{ line, code }] : [];
    });
  });

  afterAll(async () => {
    await backend?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    removeTempDirs();
  });

  /** The first run's operation and the lines after it (the rerun must leave them exactly so). */
  let firstRun: { id: string; after: Line[] };
  const KEY = 'bulk-tariff-e2e-1';

  it('changes 980 of 1,000 numbers from a messy CSV and lists exactly the 20 that failed, with their reasons', async () => {
    // 980 that apply and 20 that fail: 7 unusable (terminated, …), 7 outside the region, 6 clashing.
    const byCode = (codes: string[], n: number) => {
      const picked = failing.filter((f) => codes.includes(f.code)).slice(0, n);
      failing = failing.filter((f) => !picked.includes(f));
      return picked;
    };
    const bad = [
      ...byCode(['number_terminated', 'number_suspended', 'number_blocked'], 7),
      ...byCode(['tariff_not_in_region'], 7),
      ...byCode(['service_incompatible'], 6),
    ];
    expect(bad).toHaveLength(20);
    const ok = take(applicable, 980);
    // Interleave the failing rows with the good ones, spelled every which way, with a per-row tariff
    // column that is empty or names the same tariff.
    const rows = [...ok];
    bad.forEach((b, i) => rows.splice(i * 49 + 3, 0, b.line));
    const file = writeLines(dir, 'staff.csv', [
      'ФИО;Номер телефона;Тариф',
      ...rows.map((l, i) => `${l.employee};${messySpelling(l.msisdn, i)};${i % 3 === 0 ? TARIFF : ''}`),
    ]);

    const r = await vm('tariff', 'set', TARIFF, '--file', file, '--yes', '--idempotency-key', KEY);
    expectExit(r, 3, 'tariff set --file staff.csv');
    expect(r.stderr).toMatch(/partially_failed: 980 changed, 0 skipped, 20 failed, 0 cancelled/);
    const { header, rows: listed } = parseTsv(r.stdout);
    expect(header).toEqual(expect.arrayContaining(['msisdn', 'state', 'code']));
    expect(listed.map((x) => [x.msisdn, x.state, x.code]).sort()).toEqual(
      bad.map((b) => [b.line.msisdn, 'failed', b.code]).sort(),
    );

    const after = parseJson<Line[]>(expectExit(await vm('numbers', 'list', '--json'), 0).stdout);
    const now = new Map(after.map((l) => [l.msisdn, l]));
    for (const l of ok) expect(now.get(l.msisdn)?.tariff).toBe(TARIFF);
    for (const { line } of bad) expect(now.get(line.msisdn)).toEqual(line);
    // Nothing else changed either.
    const touched = new Set(rows.map((l) => l.msisdn));
    expect(after.filter((l) => !touched.has(l.msisdn))).toEqual(
      initial.filter((l) => !touched.has(l.msisdn)),
    );

    const [changed, failed] = await Promise.all([
      vmJson<LineDetail>(vm, 'numbers', 'show', messySpelling((ok[500] as Line).msisdn, 0)),
      vmJson<LineDetail>(vm, 'numbers', 'show', (bad[10] as { line: Line }).line.msisdn),
    ]);
    expect(changed.tariff).toBe(TARIFF);
    expect(failed.tariff).toBe((bad[10] as { line: Line }).line.tariff);
    firstRun = { id: operationIdIn(r.stderr), after };
  });

  it('changes nothing a second time when rerun with the same --idempotency-key', async () => {
    expect(firstRun).toBeDefined();
    const before = await snapshot();
    expect(parseJson<Line[]>(before.lines)).toEqual(firstRun.after);
    const file = path.join(dir, 'staff.csv');
    const r = await vm('tariff', 'set', TARIFF, '--file', file, '--yes', '--idempotency-key', KEY);
    expect(r.code).toBe(3);
    expect(operationIdIn(r.stderr)).toBe(firstRun.id);
    expect(r.stderr).toMatch(/already submitted/);
    expect(parseTsv(r.stdout).rows).toHaveLength(20);
    expect(await snapshot()).toEqual(before);
  });

  it('plans on fresh numbers without changing anything, with the monthly delta the tariff prices give', async () => {
    const ok = take(applicable, 40);
    const bad = failing.splice(0, 5);
    const already = initial.filter((l) => l.tariff === TARIFF && l.status === 'active').slice(0, 3);
    expect(already).toHaveLength(3);
    const numbers = [
      ...ok.map((l) => l.msisdn),
      ...bad.map((b) => b.line.msisdn),
      ...already.map((l) => l.msisdn),
    ];
    const file = writeLines(dir, 'dry.csv', ['msisdn', ...numbers.map((m, i) => messySpelling(m, i))]);
    const before = await snapshot();

    const r = await vm('tariff', 'set', TARIFF, '--file', file, '--dry-run', '--json');
    expectExit(r, 0, 'tariff set --dry-run');
    const plan = parseJson<Plan>(r.stdout);
    const fee = (code: string) => cat.tariffs.get(code)?.monthlyFee ?? NaN;
    const expectedDelta = (l: Line) => fee(TARIFF) - fee(l.tariff);
    expect(plan).toMatchObject({ total: 48, apply: 40, skip: 3, fail: 5 });
    const items = new Map(plan.items.map((i) => [i.msisdn, i]));
    for (const l of ok)
      expect(items.get(l.msisdn)).toMatchObject({ outcome: 'apply', monthlyDelta: expectedDelta(l) });
    for (const b of bad) expect(items.get(b.line.msisdn)).toMatchObject({ outcome: 'fail', code: b.code });
    for (const l of already)
      expect(items.get(l.msisdn)).toMatchObject({ outcome: 'skip', code: 'already_on_tariff' });
    expect(plan.monthlyDelta).toBe(ok.reduce((sum, l) => sum + expectedDelta(l), 0));
    expect(plan.monthlyDelta).toBe(plan.items.reduce((sum, i) => sum + i.monthlyDelta, 0));
    expect(await snapshot()).toEqual(before);
  });

  it('refuses to change many numbers without --yes when there is no terminal, and changes nothing', async () => {
    const ok = take(applicable, 25);
    const file = writeLines(dir, 'no-yes.csv', ['msisdn', ...ok.map((l) => l.msisdn)]);
    const before = await snapshot();
    const r = await vm('tariff', 'set', TARIFF, '--file', file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--yes');
    expect(await snapshot()).toEqual(before);
  });

  it('rejects a file with one invalid row before sending anything, naming the file and the line', async () => {
    const ok = take(applicable, 30);
    const cells = ok.map((l, i) => messySpelling(l.msisdn, i));
    cells[15] = '8916123'; // data row 16 = line 17 (line 1 is the header)
    const file = writeLines(dir, 'bad-row.csv', ['Номер телефона;Тариф', ...cells.map((c) => `${c};`)]);
    const before = await snapshot();
    const r = await vm('tariff', 'set', TARIFF, '--file', file, '--yes');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}:17: "8916123"`);
    expect(r.stderr.split(`${file}:`).length - 1).toBe(1);
    expect(await snapshot()).toEqual(before);
  });

  it('prints only the operation id with --no-wait; vm ops wait then exits 3 or 0 by the outcome', async () => {
    const ok = take(applicable, 5);
    const bad = failing.splice(0, 2);
    const mixed = [...ok.slice(0, 3).map((l) => l.msisdn), ...bad.map((b) => b.line.msisdn)];
    const r = await vm('tariff', 'set', TARIFF, ...mixed, '--yes', '--no-wait');
    expectExit(r, 0, 'tariff set --no-wait');
    expect(r.stdout).toMatch(/^op_[0-9a-f]+\n$/);
    const id = r.stdout.trim();

    const wait = await vm('ops', 'wait', id);
    expect(wait.code).toBe(3);
    expect(
      parseTsv(wait.stdout)
        .rows.map((x) => x.msisdn)
        .sort(),
    ).toEqual(bad.map((b) => b.line.msisdn).sort());
    const items = await vmJson<OperationItem[]>(vm, 'ops', 'show', id, '--items', 'failed');
    expect(items.map((i) => [i.msisdn, i.state, i.code]).sort()).toEqual(
      bad.map((b) => [b.line.msisdn, 'failed', b.code]).sort(),
    );

    const clean = await vm(
      'tariff',
      'set',
      TARIFF,
      ...ok.slice(3).map((l) => l.msisdn),
      '--yes',
      '--no-wait',
    );
    expectExit(clean, 0, 'tariff set --no-wait');
    expect(clean.stdout).toMatch(/^op_[0-9a-f]+\n$/);
    const cleanWait = await vm('ops', 'wait', clean.stdout.trim());
    expect(cleanWait.code).toBe(0);
    const op = await vmJson<Operation>(vm, 'ops', 'show', clean.stdout.trim());
    expect(op).toMatchObject({ state: 'succeeded', total: 2, succeeded: 2, failed: 0 });
  });
});
