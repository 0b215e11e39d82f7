import fs from 'node:fs';
import type { Account, Line, LineDetail, Service, Tariff } from '../../src/api/lines.js';
import type { Operation, OperationItem, Plan } from '../../src/api/operations.js';
import type { ErrorObject } from '../../src/cli/errors.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import {
  catalog,
  expectExit,
  linesByMsisdn,
  luhnDigit,
  makeFileDir,
  messySpelling,
  operationIdIn,
  parseTsv,
  tariffOutcome,
  vmFor,
  vmJson,
  writeLines,
  type Vm,
} from '../support/bulk.js';
import { demo, loginAs, makeConfigHome, parseJson, removeTempDirs } from '../support/run-vm.js';

/**
 * The numbers in the messy fixtures, normalized (none of them is a demo number). tabs.tsv has a
 * `время` (at) column with a time on one row only: still one dry run, so still one plan object.
 */
const FIXTURES: { file: string; numbers: string[] }[] = [
  { file: 'plain-list.txt', numbers: ['+79161234567', '+79162345678', '+79163456789', '+79031112233'] },
  { file: 'tabs.tsv', numbers: ['+79161234567', '+79162345678', '+79163456789'] },
];
/**
 * Fixtures whose tariff column holds what people write in one (Смарт, Безлимит, BASIC): codes the
 * catalog does not have, each an error row before anything is sent, with the code meant when one is close.
 */
const BAD_CODES: { file: string; rows: [number, string][] }[] = [
  {
    file: 'excel-ru-cp1251.csv',
    rows: [
      [2, 'tariff "Смарт" is not in the catalog; did you mean SMART?'],
      [3, 'tariff "Безлимит" is not in the catalog (vm tariffs list)'],
      [4, 'tariff "Смарт" is not in the catalog; did you mean SMART?'],
      [5, 'tariff "Корпоративный" is not in the catalog (vm tariffs list)'],
      [7, 'tariff "Безлимит" is not in the catalog (vm tariffs list)'],
    ],
  },
  {
    file: 'utf8-bom.csv',
    rows: [
      [4, 'tariff "BASIC" is not in the catalog (vm tariffs list)'],
      [6, 'tariff "PREMIUM" is not in the catalog (vm tariffs list)'],
    ],
  },
];
const MESSY = 'fixtures/csv/messy.csv';
const MESSY_VALID = ['+79161234567', '+79162345678', '+79265556677', '+79031112233'];
const MESSY_INVALID_LINES = [6, 7, 8];

describe('bulk changes keep to the rules: confirmation, rights, input files, one-number changes', () => {
  let backend: BackendProcess;
  const vm = {} as Record<'admin' | 'manager' | 'viewer', Vm>;
  let dir: string;
  let cat: { tariffs: Map<string, Tariff>; services: Map<string, Service> };
  /** Active numbers on accounts with money, not yet used by a test (each test takes its own). */
  let pool: Line[];
  let iccids: Set<string>;

  const take = (what: string, fits: (l: Line) => boolean): Line => {
    const i = pool.findIndex(fits);
    if (i < 0) throw new Error(`the demo company has no number left for: ${what}`);
    return pool.splice(i, 1)[0] as Line;
  };

  beforeAll(async () => {
    backend = await startBackendProcess();
    for (const who of ['admin', 'manager', 'viewer'] as const) {
      const home = makeConfigHome();
      await loginAs(backend.url, home, demo[who].email, demo[who].password);
      vm[who] = vmFor(backend.url, home);
    }
    dir = makeFileDir();
    const [lines, accounts, c] = await Promise.all([
      vmJson<Line[]>(vm.admin, 'numbers', 'list'),
      vmJson<Account[]>(vm.admin, 'accounts', 'list'),
      catalog(vm.admin),
    ]);
    cat = c;
    iccids = new Set(lines.map((l) => l.iccid));
    const rich = new Set(
      accounts.filter((a) => (a.balance ?? 0) + (a.creditLimit ?? 0) >= 1_000_000).map((a) => a.id),
    );
    pool = lines.filter((l) => l.status === 'active' && rich.has(l.accountId));
  });

  afterAll(async () => {
    await backend?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    removeTempDirs();
  });

  it('refuses a block from a file without --yes when there is no terminal, and blocks nothing', async () => {
    const numbers = [take('block', () => true), take('block', () => true), take('block', () => true)];
    const file = writeLines(dir, 'lost.csv', [
      'msisdn',
      ...numbers.map((l, i) => messySpelling(l.msisdn, i)),
    ]);
    const r = await vm.admin('block', '--file', file, '--reason', 'lost');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--yes');
    const now = await linesByMsisdn(vm.admin);
    for (const l of numbers) expect(now.get(l.msisdn)?.status).toBe('active');
    expect(await vmJson<Operation[]>(vm.admin, 'ops', 'list', '--type', 'number.block')).toEqual([]);
  });

  it("changes a manager's sales number but treats a warehouse number as unknown (not_found), leaving it alone", async () => {
    const willChange = (l: Line) => tariffOutcome(l, 'VOICE_ECO', cat) === null;
    const warehouse = take('warehouse', (l) => l.groupId === 'warehouse' && willChange(l));
    const sales = take(
      'sales',
      (l) => (demo.salesGroups as readonly string[]).includes(l.groupId) && willChange(l),
    );

    const r = await vm.manager('tariff', 'set', 'VOICE_ECO', warehouse.msisdn, sales.msisdn, '--yes');
    expectExit(r, 3, 'manager tariff set');
    expect(parseTsv(r.stdout).rows.map((x) => [x.msisdn, x.code])).toEqual([[warehouse.msisdn, 'not_found']]);
    expect(r.stderr).toMatch(/1 changed, 0 skipped, 1 failed/);

    const [w, s] = await Promise.all([
      vmJson<LineDetail>(vm.admin, 'numbers', 'show', warehouse.msisdn),
      vmJson<LineDetail>(vm.admin, 'numbers', 'show', sales.msisdn),
    ]);
    expect(w.tariff).toBe(warehouse.tariff);
    expect(s.tariff).toBe('VOICE_ECO');
  });

  it('forbids a viewer to change a tariff (exit 5) and changes nothing', async () => {
    const line = take('viewer', (l) => tariffOutcome(l, 'VOICE_ECO', cat) === null);
    const r = await vm.viewer('tariff', 'set', 'VOICE_ECO', line.msisdn, '--yes');
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect((await vmJson<LineDetail>(vm.admin, 'numbers', 'show', line.msisdn)).tariff).toBe(line.tariff);
  });

  it.each(FIXTURES)(
    'plans every distinct number of fixtures/csv/$file (all unknown to the demo company)',
    async ({ file, numbers }) => {
      const r = await vm.admin(
        'tariff',
        'set',
        'SMART',
        '--file',
        `fixtures/csv/${file}`,
        '--dry-run',
        '--json',
      );
      expectExit(r, 0, `tariff set --file ${file} --dry-run`);
      const plan = parseJson<Plan>(r.stdout);
      expect(plan).toMatchObject({
        type: 'tariff.change',
        total: numbers.length,
        apply: 0,
        skip: 0,
        fail: numbers.length,
      });
      expect(plan.items.map((i) => i.msisdn).sort()).toEqual([...numbers].sort());
      for (const item of plan.items) expect(item).toMatchObject({ outcome: 'fail', code: 'not_found' });
    },
  );

  it.each(BAD_CODES)(
    'lists the tariffs of fixtures/csv/$file the catalog does not have, by line, and sends nothing',
    async ({ file, rows }) => {
      const path = `fixtures/csv/${file}`;
      const r = await vm.admin('tariff', 'set', 'SMART', '--file', path, '--dry-run', '--json');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      // Under --json the error is the error object on stderr, its bad rows listed.
      const { error } = parseJson<ErrorObject>(r.stderr);
      expect(error).toMatchObject({ code: 'invalid_input', exitCode: 2, count: rows.length });
      expect(error.rows?.map((row) => [row.source, row.line, row.reason])).toEqual(
        rows.map(([line, reason]) => [path, line, reason]),
      );
      const text = await vm.admin('tariff', 'set', 'SMART', '--file', path, '--dry-run');
      const listed = text.stderr.split('\n').filter((l) => l.startsWith(`${path}:`));
      expect(listed).toEqual(rows.map(([line, reason]) => `${path}:${line}: ${reason}`));
    },
  );

  it('lists every invalid row of messy.csv as file:line and sends nothing; --skip-invalid plans the valid ones', async () => {
    const r = await vm.admin('tariff', 'set', 'SMART', '--file', MESSY, '--dry-run');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const listed = [...r.stderr.matchAll(/^(?:vm: )?fixtures\/csv\/messy\.csv:(\d+): /gm)].map((m) =>
      Number(m[1]),
    );
    expect(listed).toEqual(MESSY_INVALID_LINES);
    const json = await vm.admin('tariff', 'set', 'SMART', '--file', MESSY, '--dry-run', '--json');
    expect(json.code).toBe(2);
    expect(parseJson<ErrorObject>(json.stderr).error.rows?.map((row) => row.line)).toEqual(
      MESSY_INVALID_LINES,
    );

    const skip = await vm.admin(
      'tariff',
      'set',
      'SMART',
      '--file',
      MESSY,
      '--dry-run',
      '--json',
      '--skip-invalid',
    );
    expectExit(skip, 0, 'tariff set --skip-invalid --dry-run');
    const plan = parseJson<Plan>(skip.stdout);
    expect(plan.total).toBe(MESSY_VALID.length);
    expect(plan.items.map((i) => i.msisdn).sort()).toEqual([...MESSY_VALID].sort());
    for (const line of MESSY_INVALID_LINES) expect(skip.stderr).toContain(`${MESSY}:${line}: `);
  });

  it('adds ROAM_EU to a number, plans taking it off (vm ops rollback --dry-run) and takes it off again', async () => {
    const line = take(
      'roaming',
      (l) =>
        !l.services.includes('ROAM_EU') && !l.services.includes('ROAM_WORLD') && l.tariff !== 'ROAMING_PRO',
    );
    const add = expectExit(
      await vm.admin('services', 'add', 'ROAM_EU', line.msisdn, '--yes'),
      0,
      'services add',
    );
    const id = operationIdIn(add.stderr);
    expect((await vmJson<LineDetail>(vm.admin, 'numbers', 'show', line.msisdn)).services).toContain(
      'ROAM_EU',
    );

    const plan = expectExit(
      await vm.admin('ops', 'rollback', id, '--dry-run', '--json'),
      0,
      'rollback --dry-run',
    );
    expect(parseJson<Plan>(plan.stdout)).toMatchObject({
      type: 'service.remove',
      total: 1,
      apply: 1,
      fees: 0,
      items: [{ msisdn: line.msisdn, outcome: 'apply', after: { services: line.services } }],
    });
    const refused = await vm.admin('ops', 'rollback', id);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--dry-run.*--yes/);
    expect((await vmJson<LineDetail>(vm.admin, 'numbers', 'show', line.msisdn)).services).toContain(
      'ROAM_EU',
    );

    const back = expectExit(await vm.admin('ops', 'rollback', id, '--yes'), 0, 'ops rollback');
    const rollback = await vmJson<Operation>(vm.admin, 'ops', 'show', operationIdIn(back.stderr));
    expect(rollback).toMatchObject({
      type: 'service.remove',
      rollbackOf: id,
      state: 'succeeded',
      succeeded: 1,
    });
    expect((await vmJson<LineDetail>(vm.admin, 'numbers', 'show', line.msisdn)).services).toEqual(
      line.services,
    );
  });

  it('refuses a SIM replacement to an ICCID with a bad check digit (iccid_invalid) and makes one to a valid free ICCID', async () => {
    const line = take('sim', () => true);
    let payload = '';
    do payload = `8970199${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`;
    while (iccids.has(payload + luhnDigit(payload)));
    const valid = payload + luhnDigit(payload);
    const invalid = payload + String((Number(luhnDigit(payload)) + 1) % 10);

    const bad = await vm.admin('sim-replace', line.msisdn, '--iccid', invalid, '--yes');
    expectExit(bad, 3, 'sim-replace (bad ICCID)');
    expect(parseTsv(bad.stdout).rows.map((x) => [x.msisdn, x.code])).toEqual([
      [line.msisdn, 'iccid_invalid'],
    ]);
    expect((await vmJson<LineDetail>(vm.admin, 'numbers', 'show', line.msisdn)).iccid).toBe(line.iccid);

    expectExit(await vm.admin('sim-replace', line.msisdn, '--iccid', valid, '--yes'), 0, 'sim-replace');
    expect((await vmJson<LineDetail>(vm.admin, 'numbers', 'show', line.msisdn)).iccid).toBe(valid);
  });

  it('orders three SIM cards: three new numbers on the account, on the tariff', async () => {
    const before = await linesByMsisdn(vm.admin, '--account', '4001001');
    const r = await vm.admin(
      'sim',
      'order',
      '--count',
      '3',
      '--tariff',
      'SMART',
      '--account',
      '4001001',
      '--yes',
    );
    expectExit(r, 0, 'sim order');
    const after = await vmJson<Line[]>(vm.admin, 'numbers', 'list', '--account', '4001001');
    const added = after.filter((l) => !before.has(l.msisdn));
    expect(after).toHaveLength(before.size + 3);
    expect(added.map((l) => ({ accountId: l.accountId, tariff: l.tariff, status: l.status }))).toEqual(
      Array(3).fill({ accountId: '4001001', tariff: 'SMART', status: 'active' }),
    );
  });

  it('gives a line a new number picked by the operator: the old number is gone, the employee keeps the line', async () => {
    const line = take('number change', (l) => l.employee !== '');
    const before = await linesByMsisdn(vm.admin);
    const r = await vm.admin('number', 'change', line.msisdn, '--pick', '--yes', '--json');
    expectExit(r, 0, 'number change --pick');
    const [item] = parseJson<OperationItem[]>(r.stdout);
    const to = String(item?.after?.msisdn);
    expect(to).toMatch(/^\+7\d{10}$/);
    expect(before.has(to)).toBe(false);

    const after = await linesByMsisdn(vm.admin);
    expect(after.has(line.msisdn)).toBe(false);
    expect([...after.keys()].filter((m) => !before.has(m))).toEqual([to]);
    expect(after.get(to)).toMatchObject({
      employee: line.employee,
      accountId: line.accountId,
      groupId: line.groupId,
    });
    expect((await vm.admin('numbers', 'show', line.msisdn)).code).not.toBe(0);
  });
});
