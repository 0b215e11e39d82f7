import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DetailRequest, Report } from '../../src/api/billing.js';
import type { Line, LineDetail } from '../../src/api/lines.js';
import type { Operation, OperationItem, Plan, PlanItem } from '../../src/api/operations.js';
import { apiError, runCommand, StubClient } from '../support/cli-harness.js';
import { columnText } from '../support/tables.js';

/**
 * Commands run in-process against a stub client: what each sends for its arguments, what it prints for
 * what comes back, and its exit code. The binary end to end is the e2e suite's job.
 */

const A = '+79161234567';
const B = '+79161234568';

function line(msisdn: string, over: Partial<Line> = {}): Line {
  return {
    msisdn,
    accountId: '4001001',
    region: 'MOW',
    groupId: 'sales',
    groupPath: 'HQ/Sales',
    employee: 'Иванов Иван',
    tariff: 'SMART',
    services: ['CALLER_ID'],
    status: 'active',
    blockReason: null,
    iccid: '89701012345678901237',
    monthlyFee: 45000,
    activatedAt: '2024-03-01T09:00:00Z',
    ...over,
  };
}

function operation(over: Partial<Operation> = {}): Operation {
  return {
    id: 'op_1',
    type: 'tariff.change',
    state: 'queued',
    params: { tariff: 'SMART' },
    total: 2,
    queued: 2,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
    monthlyDelta: 0,
    fees: 0,
    createdBy: 'admin@demo.test',
    createdAt: '2026-11-02T10:00:00Z',
    scheduledAt: null,
    finishedAt: null,
    rollbackOf: null,
    parentId: null,
    ...over,
  } as Operation;
}

let stub: StubClient;
const vm = (...argv: string[]) => runCommand(stub, argv);
const rows = (tsv: string) =>
  tsv
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => l.split('\t'));

beforeEach(() => {
  stub = new StubClient();
});
afterEach(() => {
  // Every answer a test prepared was asked for (gh's "every mocked call was used").
  expect(stub.unused()).toEqual([]);
});

describe('vm numbers list', () => {
  it('sends the filters and --limit as the page size, and prints TSV with a header when piped', async () => {
    stub.on('numbers.list', [line(A), line(B, { status: 'blocked', blockReason: 'lost' })]);
    const r = await vm('numbers', 'list', '--group', 'sales', '--status', 'active', '--limit', '2');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(stub.calls).toEqual([
      { route: 'numbers.list', query: { group: 'sales', status: 'active', limit: 2 } },
    ]);
    const [header, ...body] = rows(r.stdout);
    expect(header?.slice(0, 4)).toEqual(['msisdn', 'employee', 'groupPath', 'tariff']);
    expect(body.map((row) => row[0])).toEqual([A, B]);
    expect(body[0]?.[header?.indexOf('monthlyFee') ?? -1]).toBe('450.00');
  });

  it('follows the cursor page by page and stops at --limit', async () => {
    stub
      .once('numbers.list', { data: [line(A)], nextCursor: 'c2' })
      .once('numbers.list', { data: [line(B)], nextCursor: 'c3' });
    const r = await vm('numbers', 'list', '--limit', '2', '--json');
    expect(r.code).toBe(0);
    expect(stub.calls.map((c) => c.query)).toEqual([{ limit: 2 }, { limit: 2, cursor: 'c2' }]);
    expect((JSON.parse(r.stdout) as Line[]).map((l) => l.msisdn)).toEqual([A, B]);
  });

  it('says so on stderr when nothing matches, with only the header on stdout', async () => {
    stub.on('numbers.list', []);
    const r = await vm('numbers', 'list', '--fields', 'msisdn,tariff');
    expect(r).toEqual({ code: 0, stdout: 'msisdn\ttariff\n', stderr: 'Nothing found.\n' });
  });

  it('refuses a status that does not exist with exit 2 before any request', async () => {
    const r = await vm('numbers', 'list', '--status', 'sleeping');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--status.*'sleeping' is invalid/);
    expect(stub.calls).toEqual([]);
  });
});

describe('vm numbers show', () => {
  const detail: LineDetail = {
    ...line(A),
    accountName: 'Romashka HQ',
    accountBalance: 123450,
    tariffName: 'Smart',
    serviceDetails: [{ code: 'CALLER_ID', name: 'Caller ID', monthlyFee: 0 }],
    blockedSince: null,
  };

  it('asks for the number in E.164 however it was typed, and prints one row', async () => {
    stub.on('numbers.show', detail);
    const r = await vm('numbers', 'show', '8 (916) 123-45-67');
    expect(r.code).toBe(0);
    expect(stub.calls).toEqual([{ route: 'numbers.show', params: { msisdn: A } }]);
    const [header, row] = rows(r.stdout);
    expect(row?.[header?.indexOf('tariff') ?? -1]).toBe('SMART (Smart)');
    expect(row?.[header?.indexOf('accountBalance') ?? -1]).toBe('1234.50');
  });

  it('prints the API object whole with --json', async () => {
    stub.on('numbers.show', detail);
    const r = await vm('numbers', 'show', A, '--json');
    expect(JSON.parse(r.stdout)).toEqual(detail);
  });

  it('refuses a number that is not one with exit 2, asking nothing', async () => {
    const r = await vm('numbers', 'show', '12345');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vm: .*12345/);
    expect(stub.calls).toEqual([]);
  });
});

describe('vm tariff set', () => {
  const plan: Plan = {
    type: 'tariff.change',
    params: { tariff: 'SMART' },
    total: 2,
    apply: 1,
    skip: 0,
    fail: 1,
    monthlyDelta: 15000,
    fees: 0,
    items: [
      {
        msisdn: A,
        employee: 'Иванов Иван',
        outcome: 'apply',
        code: null,
        detail: null,
        before: { tariff: 'VOICE_ECO' },
        after: { tariff: 'SMART' },
        monthlyDelta: 15000,
        fee: 0,
      },
      {
        msisdn: B,
        employee: 'Петров Пётр',
        outcome: 'fail',
        code: 'tariff_not_in_region',
        detail: 'KZN',
        before: { tariff: 'VOICE_ECO' },
        after: null,
        monthlyDelta: 0,
        fee: 0,
      },
    ],
  };

  /** The tariff catalog, which a tariff change checks its codes against before anything is sent. */
  const catalog = () => stub.on('tariffs.list', [{ code: 'SMART', name: 'Smart' }]);

  /** The plan as POST /v1/operations/plan streams it: the items as JSON lines, then the summary line. */
  const { items: planItems, ...summary } = plan;
  const lines = (items = planItems, end: object | null = { summary }) =>
    [...items, ...(end ? [end] : [])].map((l) => `${JSON.stringify(l)}\n`).join('');

  it('--dry-run asks for the plan of every number and prints it, totals on stderr, exit 0', async () => {
    catalog().on('operations.plan', lines());
    const r = await vm('tariff', 'set', 'smart', A, '8 916 123-45-68', '--dry-run');
    expect(r.code).toBe(0);
    expect(stub.calls).toEqual([
      { route: 'tariffs.list', query: { limit: 1000 } },
      {
        route: 'operations.plan',
        body: { type: 'tariff.change', params: { tariff: 'SMART' }, targets: [{ msisdn: A }, { msisdn: B }] },
      },
    ]);
    expect(rows(r.stdout)).toEqual([
      ['msisdn', 'outcome', 'before', 'after', 'monthlyDelta', 'fee', 'code', 'reason', 'employee'],
      [A, 'apply', 'VOICE_ECO', 'SMART', '150.00', '0.00', '', '', 'Иванов Иван'],
      [
        B,
        'fail',
        'VOICE_ECO',
        '',
        '0.00',
        '0.00',
        'tariff_not_in_region',
        "the tariff is not offered in the number's region (KZN)",
        'Петров Пётр',
      ],
    ]);
    expect(r.stderr).toBe(
      'Plan: 1 to change, 0 to skip, 1 would fail; monthly cost RUB 150.00; one-time fees RUB 0.00. Nothing was changed (dry run).\n',
    );
  });

  describe('the plan on a terminal', () => {
    const C = '+79161234569';
    const people: PlanItem[] = [
      { ...(planItems[0] as PlanItem), employee: 'Константинопольская Анастасия Вячеславовна' },
      { ...(planItems[1] as PlanItem), employee: 'Петров Пётр' },
      {
        msisdn: C,
        employee: 'Сидорова Мария',
        outcome: 'apply',
        code: null,
        detail: null,
        before: { tariff: 'VOICE_ECO', services: ['CALLER_ID', 'ANTISPAM', 'DATA_PLUS_10'] },
        after: { tariff: 'BUSINESS_PRO', services: ['CALLER_ID', 'ANTISPAM', 'DATA_PLUS_10'] },
        monthlyDelta: -123456,
        fee: 150000,
      },
    ];
    const dryRun = (columns: number) =>
      runCommand(stub, ['tariff', 'set', 'SMART', A, B, C, '--dry-run'], {
        columns,
        env: { NO_COLOR: '1' },
      });

    it.each([80, 120])('at %i columns shows every number whole and no line wider', async (columns) => {
      catalog().on('operations.plan', lines(people));
      const r = await dryRun(columns);
      expect(r.code).toBe(0);
      const table = r.stdout.trimEnd().split('\n');
      for (const l of table) expect([...l].length).toBeLessThanOrEqual(columns);
      for (const n of [A, B, C]) expect(r.stdout).toContain(n);
      expect(r.stdout).not.toContain('…');
      // Nothing a person needs is cut off: the reason and the services wrap onto more lines.
      expect(columnText(r.stdout, 'Reason')).toContain("thetariffisnotofferedinthenumber'sregion(KZN)");
      expect(columnText(r.stdout, 'After')).toContain('BUSINESS_PROCALLER_ID,ANTISPAM,DATA_PLUS_10');
      expect(r.stdout).toContain('-RUB 1,234.56');
    });

    it('shows the employee beside the number when the terminal is wide enough', async () => {
      catalog().on('operations.plan', lines(people));
      const wide = await dryRun(120);
      expect(wide.stdout.split('\n')[1]).toMatch(/Number\s+│ Employee\s+│ Outcome/);
      expect(wide.stdout).toContain('Петров Пётр');
      expect(wide.stdout).toContain('Fee');
      const narrow = await dryRun(80);
      expect(narrow.stdout).not.toContain('Employee');
      expect(narrow.stdout).not.toContain('Петров');
    });

    it('keeps the employee out of the columns scripts read by position, after the existing ones', async () => {
      catalog().on('operations.plan', lines(people));
      const r = await vm('tariff', 'set', 'SMART', A, B, C, '--dry-run');
      expect(rows(r.stdout)[0]).toEqual([
        'msisdn',
        'outcome',
        'before',
        'after',
        'monthlyDelta',
        'fee',
        'code',
        'reason',
        'employee',
      ]);
      expect(rows(r.stdout)[2]?.[8]).toBe('Петров Пётр');
    });
  });

  it('--dry-run --json prints one object: the items and the totals', async () => {
    catalog().on('operations.plan', lines());
    const r = await vm('tariff', 'set', 'SMART', A, B, '--dry-run', '--json');
    expect(JSON.parse(r.stdout)).toEqual({
      type: 'tariff.change',
      params: { tariff: 'SMART' },
      items: plan.items,
      total: 2,
      apply: 1,
      skip: 0,
      fail: 1,
      monthlyDelta: 15000,
      fees: 0,
    });
  });

  it('says a plan that ended before its summary line was cut off (exit 1), never a shorter plan', async () => {
    catalog().on('operations.plan', lines(planItems.slice(0, 1), null));
    const r = await vm('tariff', 'set', 'SMART', A, B, '--dry-run');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stopped sending the plan before its end.*nothing was changed/);
    expect(r.stderr).not.toMatch(/^Plan:/m);
  });

  it('refuses two numbers without --yes when there is no terminal: exit 2, nothing sent', async () => {
    catalog();
    const r = await vm('tariff', 'set', 'SMART', A, B);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/This changes 2 numbers \(tariff.change\).*--yes/);
    expect(stub.calls.map((c) => c.route)).toEqual(['tariffs.list']);
  });

  it.each([['ключ-1'], ['x'.repeat(181)], ['  ']])(
    'refuses the idempotency key %j before any request (exit 2): the header takes printable ASCII',
    async (key) => {
      const r = await vm('tariff', 'set', 'SMART', A, '--yes', '--idempotency-key', key);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/printable ASCII/);
      expect(stub.calls).toEqual([]);
    },
  );

  it('refuses a file with a bad row, listing it, before anything is sent (exit 2)', async () => {
    catalog();
    const r = await runCommand(stub, ['tariff', 'set', 'SMART', '--file', '-', '--yes'], {
      stdin: `number\n${A}\n12345\n`,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nothing was sent/);
    expect(r.stderr).toMatch(/stdin:3: "12345" is not a valid phone number/);
    expect(stub.calls.map((c) => c.route)).toEqual(['tariffs.list']);
  });

  it('submits with the given idempotency key, waits, lists the failed numbers and exits 3', async () => {
    const failed: OperationItem = {
      seq: 2,
      msisdn: B,
      state: 'failed',
      code: 'tariff_not_in_region',
      detail: 'KZN',
      before: null,
      after: null,
    } as OperationItem;
    catalog()
      .on('operations.create', operation())
      .on('operations.show', operation({ state: 'partially_failed', queued: 0, succeeded: 1, failed: 1 }))
      .on('operations.items', [failed]);
    const r = await vm('tariff', 'set', 'SMART', A, B, '--yes', '--idempotency-key', 'nightly-1');
    expect(r.code).toBe(3);
    expect(stub.callsTo('operations.create')).toEqual([
      expect.objectContaining({
        idempotencyKey: 'nightly-1',
        body: expect.objectContaining({ type: 'tariff.change' }),
      }),
    ]);
    expect(stub.callsTo('operations.show')).toEqual([
      { route: 'operations.show', params: { id: 'op_1' }, query: { wait: 1 } },
    ]);
    expect(stub.callsTo('operations.items')).toEqual([
      { route: 'operations.items', params: { id: 'op_1' }, query: { state: 'failed', limit: 1000 } },
    ]);
    expect(rows(r.stdout)).toEqual([
      ['msisdn', 'state', 'code', 'reason', 'detail', 'before', 'after', 'seq', 'params'],
      [
        B,
        'failed',
        'tariff_not_in_region',
        "the tariff is not offered in the number's region (KZN)",
        'KZN',
        '',
        '',
        '2',
        '',
      ],
    ]);
    expect(r.stderr).toContain('Operation op_1 submitted: 2 targets.');
    expect(r.stderr).toContain(
      'Operation op_1 partially_failed: 1 changed, 0 skipped, 1 failed, 0 cancelled.',
    );
  });

  it('--no-wait prints the operation id and exits 0 without waiting', async () => {
    catalog().on('operations.create', operation());
    const r = await vm('tariff', 'set', 'SMART', A, '--no-wait');
    expect(r).toMatchObject({ code: 0, stdout: 'op_1\n' });
    expect(stub.calls.map((c) => c.route)).toEqual(['tariffs.list', 'operations.create']);
  });
});

describe('waiting: vm ops wait and vm detail --all share one wait', () => {
  const request = (over: Partial<DetailRequest> = {}): DetailRequest => ({
    id: 'dr_1',
    state: 'running',
    from: '2026-10-01',
    to: '2026-10-31',
    total: 2,
    done: 1,
    records: 2,
    cost: 300,
    createdBy: 'admin@demo.test',
    createdAt: '2026-11-02T10:00:00Z',
    finishedAt: null,
    replayed: false,
    ...over,
  });
  const records =
    '{"number":"+79161234567","time":"2026-10-01T09:00:00Z","cost":100}\n' +
    '{"number":"+79161234568","time":"2026-10-02T09:00:00Z","cost":200}\n';

  it('vm ops wait stops at Ctrl-C: the id on stdout, exit 130, the operation left running', async () => {
    const running = operation({ state: 'running', queued: 1, succeeded: 1 });
    stub.once('operations.show', running).once('operations.show', () => {
      process.emit('SIGINT');
      return running;
    });
    const r = await vm('ops', 'wait', 'op_1');
    expect(r.code).toBe(130);
    expect(r.stdout).toBe('op_1\n');
    expect(r.stderr).toContain('operation op_1 carries on in the backend');
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('vm detail --all submits a request, polls it until done, then downloads it as a JSON array', async () => {
    stub
      .on('detailRequests.create', request({ state: 'queued', done: 0 }))
      .once('detailRequests.show', request())
      .once('detailRequests.show', request({ state: 'done', done: 2 }))
      .on('detailRequests.file', records);
    const r = await vm('detail', '--all', '--period', '2026-10', '--json');
    expect(r.code).toBe(0);
    expect(stub.calls.map((c) => c.route)).toEqual([
      'detailRequests.create',
      'detailRequests.show',
      'detailRequests.show',
      'detailRequests.file',
    ]);
    expect(stub.callsTo('detailRequests.create')[0]?.body).toEqual({
      all: true,
      from: '2026-10-01',
      to: '2026-10-31',
    });
    expect(stub.callsTo('detailRequests.file')[0]?.query).toEqual({ format: 'jsonl' });
    expect(JSON.parse(r.stdout)).toEqual(
      records
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    );
  });

  it('vm detail --all stops waiting at Ctrl-C with the request id and exit 130', async () => {
    stub.on('detailRequests.create', request({ state: 'queued', done: 0 })).on('detailRequests.show', () => {
      process.emit('SIGINT');
      return request();
    });
    const r = await vm('detail', '--all');
    expect(r.code).toBe(130);
    expect(r.stdout).toBe('dr_1\n');
    expect(r.stderr).toContain('vm detail get dr_1');
  });

  it('vm detail --all stops waiting at SIGTERM too, with the request id and exit 143', async () => {
    stub.on('detailRequests.create', request({ state: 'queued', done: 0 })).on('detailRequests.show', () => {
      process.emit('SIGTERM');
      return request();
    });
    const r = await vm('detail', '--all');
    expect(r.code).toBe(143);
    expect(r.stdout).toBe('dr_1\n');
    expect(r.stderr).toContain('vm detail get dr_1');
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  it('vm detail get --output writes the file by its extension through a temp file, and refuses a missing folder first', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-commands-'));
    try {
      stub
        .on('detailRequests.show', request({ state: 'done', done: 2 }))
        .on('detailRequests.file', 'number\n1\n2\n');
      const file = path.join(dir, 'october.tsv');
      const r = await vm('detail', 'get', 'dr_1', '--output', file);
      expect(r).toMatchObject({ code: 0, stdout: '', stderr: `Wrote 2 records to ${file}.\n` });
      expect(stub.callsTo('detailRequests.file')[0]?.query).toEqual({ format: 'tsv' });
      expect(fs.readFileSync(file, 'utf8')).toBe('number\n1\n2\n');
      expect(fs.readdirSync(dir)).toEqual(['october.tsv']);

      const calls = stub.calls.length;
      const missing = await vm('detail', 'get', 'dr_1', '--output', path.join(dir, 'no', 'such.csv'));
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/does not exist or is not writable/);
      expect(stub.calls.length).toBe(calls);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('vm limits', () => {
  it('sends a limit in kopecks however the rubles were typed', async () => {
    stub.on('operations.create', operation({ type: 'limit.set', total: 1 }));
    const r = await vm('limits', 'set', A, '--monthly', '1 500,50', '--action', 'Block', '--no-wait');
    expect(r.code).toBe(0);
    expect(stub.callsTo('operations.create')[0]?.body).toEqual({
      type: 'limit.set',
      params: { action: 'block', monthly: '150050' },
      targets: [{ msisdn: A }],
    });
  });

  it('plans a limit as limit=RUBLES/action', async () => {
    const item = {
      msisdn: A,
      outcome: 'apply',
      code: null,
      detail: null,
      before: { limit: null },
      after: { limit: { monthly: 10000, action: 'notify' } },
      monthlyDelta: 0,
      fee: 0,
    };
    const summary = {
      type: 'limit.set',
      params: {},
      total: 1,
      apply: 1,
      skip: 0,
      fail: 0,
      monthlyDelta: 0,
      fees: 0,
    };
    stub.on('operations.plan', `${JSON.stringify(item)}\n${JSON.stringify({ summary })}\n`);
    const r = await vm('limits', 'set', A, '--monthly', '100', '--dry-run');
    expect(rows(r.stdout)[1]?.slice(0, 4)).toEqual([A, 'apply', '—', 'limit=100.00/notify']);
  });

  it('refuses an unknown action, a bad amount in a file row, and --for-group with targets: exit 2, nothing sent', async () => {
    const action = await vm('limits', 'set', A, '--monthly', '100', '--action', 'maybe', '--yes');
    expect(action.code).toBe(2);
    expect(action.stderr).toMatch(/Unknown limit action "maybe": use notify or block/);
    const file = await runCommand(stub, ['limits', 'set', '--file', '-', '--yes'], {
      stdin: `number;monthly;action\n${A};1 500,00;notify\n${B};abc;block\n`,
    });
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/:3: monthly: "abc"/);
    expect(file.stderr).toMatch(/nothing was sent/);
    const mixed = await vm('limits', 'set', '--for-group', 'drivers', '--monthly', '100', '--all');
    expect(mixed.code).toBe(2);
    expect(stub.calls).toEqual([]);
  });

  it('words the backend reason in Russian when a group has no limit to remove (exit 1)', async () => {
    stub.on(
      'limits.groupRemove',
      apiError('not_found', 'Group Drivers has no limit', {
        reason: 'group_limit_not_found',
        group: 'Drivers',
      }),
    );
    const r = await vm('limits', 'remove', '--for-group', 'drivers', '--lang', 'ru');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('У группы Drivers нет лимита');
  });
});

describe("relative times count from the backend's clock, asked once", () => {
  /** A backend whose clock is a month behind this machine's (a test clock, or a skewed one). */
  const status = {
    version: '0.1.0',
    now: '2026-11-02T10:00:00.000Z',
    lines: 250,
    history: { from: '2026-08-01', backfilledFrom: '2026-08-01', billingStart: '2026-11-02', complete: true },
    jobs: { running: 0, queued: 0 },
  };

  it('schedules --at +1d and --until +10d from it', async () => {
    stub.on('status.show', status);
    stub.on('operations.create', operation({ type: 'number.block', state: 'scheduled' }));
    const r = await vm(
      'block',
      A,
      '--reason',
      'vacation',
      '--at',
      '+1d',
      '--until',
      '+10d',
      '--yes',
      '--no-wait',
    );
    expect(r).toMatchObject({ code: 0, stdout: 'op_1\n' });
    expect(r.stderr).not.toMatch(/past/);
    expect(stub.callsTo('status.show')).toHaveLength(1);
    expect(stub.callsTo('operations.create')[0]?.body).toMatchObject({
      scheduledAt: '2026-11-03T10:00:00.000Z',
      params: { reason: 'vacation', until: '2026-11-12T10:00:00.000Z' },
    });
  });

  it("puts a file's rows with the same relative at into one operation at that time", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-when-'));
    const file = path.join(dir, 'later.csv');
    fs.writeFileSync(file, `number,at\n${A},+2h\n${B},+2h\n`);
    stub.on('status.show', status);
    stub.on('operations.create', operation({ type: 'number.unblock', state: 'scheduled' }));
    const r = await vm('unblock', '--file', file, '--yes', '--no-wait');
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(0);
    expect(stub.callsTo('operations.create').map((c) => c.body)).toEqual([
      expect.objectContaining({
        scheduledAt: '2026-11-02T12:00:00.000Z',
        targets: [{ msisdn: A }, { msisdn: B }],
      }),
    ]);
  });

  it("sets a token's --expires 2d from it", async () => {
    stub.on('status.show', status);
    stub.on('tokens.create', { token: 'vmt_x', info: { name: 'cron' } });
    const r = await vm('tokens', 'create', '--name', 'cron', '--expires', '2d');
    expect(r).toMatchObject({ code: 0, stdout: 'vmt_x\n' });
    expect(stub.callsTo('tokens.create')[0]?.body).toMatchObject({ expiresAt: '2026-11-04T10:00:00.000Z' });
  });

  it('reads audit --until +1h from it', async () => {
    stub.on('status.show', status);
    stub.on('audit.list', []);
    expect((await vm('audit', '--until', '+1h')).code).toBe(0);
    expect(stub.callsTo('audit.list')[0]?.query).toMatchObject({ until: '2026-11-02T11:00:00.000Z' });
  });

  it('asks nothing more for an absolute time', async () => {
    stub.on('operations.create', operation({ type: 'number.block', state: 'scheduled' }));
    stub.on('tokens.create', { token: 'vmt_x', info: { name: 'cron' } });
    const block = await vm(
      'block',
      A,
      '--reason',
      'lost',
      '--at',
      '2026-12-31T18:00:00Z',
      '--yes',
      '--no-wait',
    );
    expect(block.code).toBe(0);
    expect((await vm('tokens', 'create', '--name', 'cron', '--expires', '2027-01-31')).code).toBe(0);
    expect(stub.calls.map((c) => c.route)).toEqual(['operations.create', 'tokens.create']);
  });
});

describe('vm plan and vm apply: desired state', () => {
  const server = 'http://127.0.0.1:7080';
  const now = () => [
    line(A, { tariff: 'SMART', services: ['CALLER_ID'], groupId: 'sales' }),
    line(B, { tariff: 'SMART', services: [], status: 'blocked', blockReason: 'lost' }),
  ];
  const catalog = () =>
    stub
      .on('tariffs.list', [
        { code: 'SMART', monthlyFee: 49000 },
        { code: 'UNLIM', monthlyFee: 195000 },
      ])
      .on('services.list', [{ code: 'CALLER_ID', monthlyFee: 0 }]);
  let dir: string;
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const run = (...argv: string[]) => runCommand(stub, argv, { env: { VM_SERVER: server } });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-state-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a file of only numbers and tariffs as "leave the services, blocks and groups as they are"', async () => {
    stub.on('numbers.list', now());
    catalog();
    const r = await run('plan', file('tariffs.csv', `number,tariff\n${A},UNLIM\n${B},smart\n`), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { msisdn: A, field: 'tariff', now: 'SMART', after: 'UNLIM', monthlyDelta: 146000 },
    ]);
  });

  it('--detailed-exitcode exits 0 when nothing would change and 2 when something would', async () => {
    stub.on('numbers.list', now());
    catalog();
    const same = await run('plan', file('same.csv', `number,tariff\n${A},SMART\n`), '--detailed-exitcode');
    expect(same).toMatchObject({ code: 0, stderr: expect.stringContaining('Nothing to change') });
    const other = await run('plan', file('other.csv', `number,tariff\n${A},UNLIM\n`), '--detailed-exitcode');
    expect(other.code).toBe(2);
    expect(rows(other.stdout)[1]).toEqual([A, 'tariff', 'SMART', 'UNLIM', '1460.00']);
  });

  it('--detailed-exitcode makes a bad row or flag exit 1, so 2 only ever means changes', async () => {
    const bad = file('bad.csv', `number,tariff\n${A},UNLIM\n8916123,SMART\n`);
    expect(await run('plan', bad)).toMatchObject({ code: 2 });
    const detailed = await run('plan', bad, '--detailed-exitcode');
    expect(detailed.code).toBe(1);
    expect(detailed.stderr).toContain('bad.csv:3');
    expect((await run('plan', bad, '--detailed-exitcode', '--colour')).code).toBe(1);
    expect(stub.calls).toEqual([]);
  });

  /** `vm plan state.csv --out plan.json` over `now()`: A to UNLIM, B unblocked. */
  const savePlan = async () => {
    stub.on('numbers.list', now());
    catalog();
    const state = file('state.csv', `number,tariff,blocked\n${A},UNLIM,\n${B},,no\n`);
    const out = path.join(dir, 'plan.json');
    const r = await run('plan', state, '--out', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Saved the plan to ${out}`);
    fs.rmSync(state); // applying the plan never reads the file again
    stub = new StubClient();
    return { out, plan: JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown> };
  };

  it('--out saves what each number is now and will become, and the operations that do it', async () => {
    const { plan } = await savePlan();
    expect(plan).toMatchObject({
      vmPlan: 1,
      id: expect.stringMatching(/^plan_/),
      server,
      numbers: [
        {
          msisdn: A,
          now: { tariff: 'SMART', services: ['CALLER_ID'], status: 'active', group: 'sales' },
          after: { tariff: 'UNLIM', services: ['CALLER_ID'], status: 'active', group: 'sales' },
        },
        {
          msisdn: B,
          now: { tariff: 'SMART', services: [], status: 'blocked', group: 'sales' },
          after: { tariff: 'SMART', services: [], status: 'active', group: 'sales' },
        },
      ],
      steps: [
        { type: 'tariff.change', params: {}, targets: [{ msisdn: A, params: { tariff: 'UNLIM' } }] },
        { type: 'number.unblock', params: {}, targets: [{ msisdn: B }] },
      ],
      monthlyDelta: 146000,
    });
  });

  it('vm apply PLAN submits exactly the saved operations when nothing moved, keyed by the plan', async () => {
    const { out, plan } = await savePlan();
    stub
      .on('numbers.list', now())
      .on('operations.create', (c: { body: { targets: unknown[] } }) =>
        operation({ total: c.body.targets.length, queued: c.body.targets.length }),
      )
      .on('operations.show', operation({ state: 'succeeded', total: 1, queued: 0, succeeded: 1 }));
    const r = await run('apply', out, '--yes');
    expect(r.code).toBe(0);
    expect(stub.callsTo('operations.create')).toEqual([
      {
        route: 'operations.create',
        body: (plan.steps as unknown[])[0],
        idempotencyKey: `${String(plan.id)}:1`,
      },
      {
        route: 'operations.create',
        body: (plan.steps as unknown[])[1],
        idempotencyKey: `${String(plan.id)}:2`,
      },
    ]);
    expect(stub.callsTo('tariffs.list')).toEqual([]);
  });

  it('vm apply PLAN refuses when the numbers moved since, saying which, and submits nothing (exit 1)', async () => {
    const { out } = await savePlan();
    stub.on('numbers.list', [
      line(A, { tariff: 'BUSINESS_PRO', services: [], groupId: 'sales' }),
      line(B, { status: 'blocked', services: [] }),
    ]);
    const r = await run('apply', out, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Refusing the plan in ${out}`);
    expect(r.stderr).toContain('2 fields moved since');
    expect(r.stderr).toContain(`  ${A} tariff: SMART when planned, BUSINESS_PRO now`);
    expect(r.stderr).toContain(`  ${A} services: CALLER_ID when planned, — now`);
    expect(stub.callsTo('operations.create')).toEqual([]);
  });

  it('vm apply PLAN refuses a number that is gone, and a plan made against another backend', async () => {
    const { out } = await savePlan();
    stub.on('numbers.list', [line(B, { status: 'blocked', services: [] })]);
    const gone = await run('apply', out, '--yes');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`  ${A}: no longer one of your numbers`);
    const elsewhere = await runCommand(stub, ['apply', out, '--yes'], {
      env: { VM_SERVER: 'https://vm.example.ru' },
    });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain(`was made against ${server}, not https://vm.example.ru`);
    expect(stub.callsTo('operations.create')).toEqual([]);
  });

  it('vm apply refuses JSON that is not a whole saved plan (exit 2), before any request', async () => {
    const r = await run('apply', file('edited.json', '{"vmPlan": 1, "steps": []}'), '--yes');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a plan saved by vm plan --out');
    expect(stub.calls).toEqual([]);
  });
});

describe('exit codes of the backend answers', () => {
  it('exits 5 for 403 forbidden, with the reason on stderr and nothing on stdout', async () => {
    stub.on('reports.show', apiError('forbidden', 'Missing permission audit:read'));
    const r = await vm('report', 'activity');
    expect(r).toEqual({
      code: 5,
      stdout: '',
      stderr: 'vm: Not allowed: Missing permission audit:read (request id: req_test)\n',
    });
  });

  it('exits 4 when the session expired', async () => {
    stub.on('numbers.list', apiError('session_expired', 'Session expired'));
    const r = await vm('numbers', 'list');
    expect(r.code).toBe(4);
    expect(r.stderr).toBe('vm: Session expired after 20 minutes idle. Run: vm login\n');
  });

  it('exits 2 for an unknown option, naming it, in either language', async () => {
    expect(await vm('numbers', 'list', '--colour')).toMatchObject({ code: 2, stdout: '' });
    const ru = await vm('--lang', 'ru', 'numbers', 'list', '--colour');
    expect(ru.code).toBe(2);
    expect(ru.stderr).toContain("неизвестный параметр '--colour'");
  });
});

describe('vm report', () => {
  const expenses: Report = {
    type: 'expenses',
    from: '2026-10-01',
    to: '2026-10-31',
    columns: [
      { key: 'key', kind: 'text' },
      { key: 'name', kind: 'text', freeText: true },
      { key: 'numbers', kind: 'number' },
      { key: 'total', kind: 'money' },
    ],
    rows: [
      { key: 'sales', name: 'Sales', numbers: 3, total: 150050 },
      { key: 'drivers', name: '=Drivers', numbers: 2, total: 99950 },
    ],
    totals: { key: 'total', name: '', numbers: 5, total: 250000 },
  } as Report;

  it('sends the period as days and the grouping, and prints the rows without the totals when piped', async () => {
    stub.on('reports.show', expenses);
    const r = await vm('report', 'expenses', '--period', '2026-10', '--by', 'group');
    expect(r.code).toBe(0);
    expect(stub.calls).toEqual([
      {
        route: 'reports.show',
        params: { type: 'expenses' },
        query: { from: '2026-10-01', to: '2026-10-31', by: 'group' },
      },
    ]);
    expect(rows(r.stdout)).toEqual([
      ['key', 'name', 'numbers', 'total'],
      ['sales', 'Sales', '3', '1500.50'],
      ['drivers', '=Drivers', '2', '999.50'],
    ]);
    expect(r.stderr).toBe('expenses: 2 rows, 2026-10-01 … 2026-10-31.\n');
  });

  it('keeps the totals in JSON and guards free text in CSV against formulas', async () => {
    stub.on('reports.show', expenses);
    const json = await vm('report', 'expenses', '--json');
    expect(JSON.parse(json.stdout)).toEqual(expenses);
    const csv = await vm('report', 'expenses', '--csv');
    expect(csv.stdout).toBe("key,name,numbers,total\nsales,Sales,3,1500.50\ndrivers,'=Drivers,2,999.50\n");
  });

  it('adds the totals as the last row of the table', async () => {
    stub.on('reports.show', expenses);
    const r = await vm('report', 'expenses', '-o', 'table', '--no-color');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-2)).toMatch(/total.*5.*2,500\.00/);
  });

  it('refuses an unknown report, --by, month or day with exit 2 before any request, in either language', async () => {
    const nope = await vm('report', 'nope');
    expect(nope).toMatchObject({ code: 2, stdout: '' });
    expect(nope.stderr).toMatch(
      'No report "nope". Reports: expenses, usage, inventory, blocked, limits, activity, tariff-optimization',
    );
    const by = await vm('report', 'expenses', '--by', 'nonsense');
    expect(by).toMatchObject({ code: 2, stdout: '' });
    expect(by.stderr).toMatch(/--by: "nonsense" is not number, group or account/);
    const month = await vm('report', 'usage', '--period', '2026-13');
    expect(month.code).toBe(2);
    expect(month.stderr).toMatch(/--period: "2026-13" is not a month/);
    const day = await vm('report', 'expenses', '--from', '2026-02-30');
    expect(day.code).toBe(2);
    expect(day.stderr).toMatch(/--from: "2026-02-30" is not a day/);
    const ru = await vm('report', 'nope', '--lang', 'ru');
    expect(ru.code).toBe(2);
    expect(ru.stderr).toMatch(/Нет отчёта «nope»\. Отчёты: expenses, usage/);
    expect(stub.calls).toEqual([]);
  });

  const job = {
    id: 'rj_1',
    type: 'expenses',
    state: 'succeeded',
    phase: null,
    done: 0,
    total: 0,
    query: {},
    rows: 2,
    error: null,
    createdBy: 'admin@demo.test',
    createdAt: '2026-11-02T10:00:00Z',
    startedAt: '2026-11-02T10:00:00Z',
    finishedAt: '2026-11-02T10:00:01Z',
    expiresAt: '2026-11-09T10:00:01Z',
  };
  /** A job's result as the backend streams it: head, rows, end (`end: null` leaves it out). */
  const resultLines = (
    r: Report,
    end: object | null = { end: { rows: r.rows.length, totals: r.totals } },
  ) => {
    const { rows, totals: _totals, ...head } = r;
    return [{ report: head }, ...rows.map((row) => ({ row })), ...(end ? [end] : [])]
      .map((l) => `${JSON.stringify(l)}\n`)
      .join('');
  };

  it("prints a job's streamed result as the same JSON document as a report answered at once", async () => {
    stub.on('reports.show', expenses);
    const atOnce = await vm('report', 'expenses', '--json');
    stub.once('reportJobs.show', job).once('reportJobs.lines', resultLines(expenses));
    const got = await vm('report', 'get', 'rj_1', '--json');
    expect(got).toMatchObject({ code: 0, stderr: '' });
    expect(got.stdout).toBe(`${JSON.stringify(expenses, null, 2)}\n`);
    expect(got.stdout).toBe(atOnce.stdout);
    const empty = { ...expenses, rows: [], totals: null };
    stub.once('reportJobs.show', job).once('reportJobs.lines', resultLines(empty));
    expect((await vm('report', 'get', 'rj_1', '--json')).stdout).toBe(`${JSON.stringify(empty, null, 2)}\n`);
  });

  it('cuts a streamed result to --limit rows and still shows the totals of the whole report', async () => {
    stub.once('reportJobs.show', job).once('reportJobs.lines', resultLines(expenses));
    const r = await vm('report', 'get', 'rj_1', '--limit', '1', '-o', 'table', '--no-color');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sales/);
    expect(r.stdout).not.toMatch(/drivers/);
    expect(r.stdout).toMatch(/│ total │ +│ +5 │ RUB 2,500.00 │/);
    expect(r.stderr).toMatch(/expenses: 1 row/);
  });

  it.each([
    ['without its end line', (r: Report) => resultLines(r, null)],
    [
      'with fewer rows than its end line counts',
      (r: Report) => resultLines({ ...r, rows: r.rows.slice(1) }, { end: { rows: 2, totals: r.totals } }),
    ],
    ['with a last line cut in half', (r: Report) => resultLines(r).slice(0, -20)],
  ])('says a result that came %s was cut off (exit 1), and writes no --output file', async (_, text) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-report-cut-'));
    try {
      const file = path.join(dir, 'expenses.csv');
      stub.once('reportJobs.show', job).once('reportJobs.lines', text(expenses));
      const r = await vm('report', 'get', 'rj_1', '--output', file);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/result of report job rj_1 was cut off on the way.*vm report get rj_1/s);
      expect(fs.existsSync(file)).toBe(false);
      stub.once('reportJobs.show', job).once('reportJobs.lines', text(expenses));
      const ru = await vm('report', 'get', 'rj_1', '--csv', '--lang', 'ru');
      expect(ru.code).toBe(1);
      expect(ru.stderr).toMatch(/Результат задания отчёта rj_1 оборвался/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends the numbers of a CSV file, validated completely first', async () => {
    stub.on('reports.run', { ...expenses, type: 'usage', rows: [], totals: null });
    const r = await runCommand(stub, ['report', 'usage', '--period', '2026-10', '--file', '-'], {
      stdin: `Номер;Сотрудник\n8 916 123-45-67;a\n${B};b\n`,
    });
    expect(r.code).toBe(0);
    expect(stub.calls).toEqual([
      {
        route: 'reports.run',
        params: { type: 'usage' },
        body: { from: '2026-10-01', to: '2026-10-31', numbers: [A, B] },
      },
    ]);
    stub.calls.length = 0;
    const bad = await runCommand(stub, ['report', 'usage', '--file', '-'], {
      stdin: `number\n${A}\n12345\n`,
    });
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toContain('stdin:3');
    expect(stub.calls).toEqual([]);
  });
});
