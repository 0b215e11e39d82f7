import { jest } from '@jest/globals';
import type { Tariff } from '../../src/api/lines.js';
import type { Operation, PlanItem, PlanSummary } from '../../src/api/operations.js';
import { Context } from '../../src/cli/context.js';
import { apiError, runCommand, StubClient, type RecordedCall } from '../support/cli-harness.js';

/**
 * The change flow around the plan: what is said before a change is asked for, a rollback planned and
 * asked for like any change, and the output flags on every path (waiting or not, scheduled or not).
 */

const A = '+79161234567';
const B = '+79161234568';
const C = '+79161234569';

const tariffs = [{ code: 'SMART', name: 'Smart' }] as Tariff[];

function item(msisdn: string, over: Partial<PlanItem>): PlanItem {
  return {
    msisdn,
    employee: null,
    outcome: 'apply',
    code: null,
    detail: null,
    before: { tariff: 'VOICE_ECO' },
    after: { tariff: 'SMART' },
    monthlyDelta: 34000,
    fee: 5000,
    ...over,
  };
}

/** A plan as the backend streams it: items, then the summary line. */
function planLines(items: PlanItem[], over: Partial<PlanSummary> = {}): string {
  const summary: PlanSummary = {
    type: 'tariff.change',
    params: { tariff: 'SMART' },
    total: items.length,
    apply: items.filter((i) => i.outcome === 'apply').length,
    skip: items.filter((i) => i.outcome === 'skip').length,
    fail: items.filter((i) => i.outcome === 'fail').length,
    monthlyDelta: items.reduce((n, i) => n + i.monthlyDelta, 0),
    fees: items.reduce((n, i) => n + i.fee, 0),
    ...over,
  };
  return [...items, { summary }].map((l) => `${JSON.stringify(l)}\n`).join('');
}

const mixedPlan = planLines([
  item(A, {}),
  item(B, { outcome: 'skip', code: 'already_on_tariff', after: null, monthlyDelta: 0, fee: 0 }),
  item(C, {
    outcome: 'fail',
    code: 'tariff_not_in_region',
    detail: 'KZN',
    after: null,
    monthlyDelta: 0,
    fee: 0,
  }),
]);

function operation(over: Partial<Operation> = {}): Operation {
  return {
    id: 'op_1',
    type: 'tariff.change',
    params: { tariff: 'SMART' },
    state: 'queued',
    createdBy: 'admin@demo.test',
    createdAt: '2026-11-02T10:00:00.000Z',
    scheduledAt: null,
    startedAt: null,
    finishedAt: null,
    total: 3,
    queued: 3,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
    monthlyDelta: 0,
    fees: 0,
    rowValues: [],
    rollbackOf: null,
    parentId: null,
    replayed: false,
    ...over,
  };
}

let stub: StubClient;
/** The questions vm asked, answered with `answer` as a person at a terminal would. */
let asked: string[];
let answer: boolean;
beforeEach(() => {
  stub = new StubClient();
  asked = [];
  answer = false;
  jest.spyOn(Context.prototype, 'confirm').mockImplementation(async (question) => {
    asked.push(await question());
    return answer;
  });
});
afterEach(() => {
  jest.restoreAllMocks();
  expect(stub.unused()).toEqual([]);
});

describe('before a change is asked for', () => {
  it('says how many numbers change, are skipped and would fail, and why, then asks about the ones that change', async () => {
    stub.on('tariffs.list', tariffs).on('operations.plan', mixedPlan);
    const r = await runCommand(stub, ['tariff', 'set', 'SMART', A, B, C]);
    expect(asked).toEqual([
      [
        'Of 3 numbers, 1 will change, 1 will be skipped and 1 would fail; monthly cost RUB 340.00, one-time fees RUB 50.00.',
        'Skipped: already on this tariff ×1.',
        "Would fail: the tariff is not offered in the number's region ×1.",
        'Go ahead and change 1 numbers (tariff.change)?',
      ].join('\n'),
    ]);
    // Answered no: nothing is sent.
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(stub.calls.map((c) => c.route)).toEqual(['tariffs.list', 'operations.plan']);
  });

  it('says it in Russian', async () => {
    stub.on('tariffs.list', tariffs).on('operations.plan', mixedPlan);
    await runCommand(stub, ['tariff', 'set', 'SMART', A, B, C, '--lang', 'ru']);
    expect(asked[0]?.split('\n')).toEqual([
      'Номеров: 3; изменится 1, пропуск 1, ошибок будет 1; абонплата 340,00 ₽ в месяц, разовые платежи 50,00 ₽.',
      'Пропуск: уже на этом тарифе ×1.',
      'Будут ошибки: тариф не предлагается в регионе номера ×1.',
      'Выполнить tariff.change и изменить номеров: 1?',
    ]);
  });

  it('asks nothing and plans nothing with --yes', async () => {
    stub
      .on('tariffs.list', tariffs)
      .on('operations.create', operation())
      .on('operations.show', operation({ state: 'succeeded', queued: 0, succeeded: 3 }));
    const r = await runCommand(stub, ['tariff', 'set', 'SMART', A, B, C, '--yes']);
    expect(r.code).toBe(0);
    expect(asked).toEqual([]);
    expect(stub.callsTo('operations.plan')).toEqual([]);
  });
});

describe('vm ops show of an operation with per-row values', () => {
  const rowValues = [
    {
      name: 'tariff',
      count: 203,
      values: [
        { value: 'SMART', count: 120 },
        { value: 'SMART_PLUS', count: 80 },
      ],
    },
  ];

  it('shows what the rows asked for beside the command own values', async () => {
    stub.on('operations.show', operation({ rowValues }));
    const table = await runCommand(stub, ['ops', 'show', 'op_1', '-o', 'table', '--no-color']);
    expect(table.stdout).toMatch(/Per-row values: +tariff \(SMART ×120, SMART_PLUS ×80, others ×3\)/);
    const tsv = await runCommand(stub, ['ops', 'show', 'op_1', '--fields', 'id,params,rowValues']);
    expect(tsv.stdout).toBe(
      'id\tparams\trowValues\nop_1\t{"tariff":"SMART"}\ttariff (SMART ×120, SMART_PLUS ×80, others ×3)\n',
    );
    const ru = await runCommand(stub, ['ops', 'show', 'op_1', '--fields', 'rowValues', '--lang', 'ru']);
    expect(ru.stdout).toContain('tariff (SMART ×120, SMART_PLUS ×80, прочие ×3)');
    const json = await runCommand(stub, ['ops', 'show', 'op_1', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ rowValues });
  });

  it("lists each item's own values with --items", async () => {
    stub.on('operations.items', [
      {
        seq: 1,
        msisdn: A,
        params: { tariff: 'SMART_PLUS' },
        state: 'failed',
        code: 'tariff_not_in_region',
        detail: null,
        before: null,
        after: null,
        monthlyDelta: null,
        fee: null,
        finishedAt: null,
      },
    ]);
    const r = await runCommand(stub, ['ops', 'show', 'op_1', '--items', '--fields', 'msisdn,params']);
    expect(r.stdout).toBe(`msisdn\tparams\n${A}\ttariff=SMART_PLUS\n`);
  });
});

describe('vm ops rollback', () => {
  /** The rollback of a tariff change of A and B: back to their old tariffs, each change charged again. */
  const rollbackLines = planLines(
    [
      item(A, { before: { tariff: 'SMART' }, after: { tariff: 'VOICE_ECO' }, monthlyDelta: -34000 }),
      item(B, { before: { tariff: 'SMART' }, after: { tariff: 'BUSINESS_START' }, monthlyDelta: -14000 }),
    ],
    { params: {} },
  );

  it('--dry-run prints its plan, per number now → after with the fee it will charge, and changes nothing', async () => {
    stub.on('operations.rollbackPlan', rollbackLines);
    const r = await runCommand(stub, ['ops', 'rollback', 'op_1', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual([
      'msisdn\toutcome\tbefore\tafter\tmonthlyDelta\tfee\tcode\treason\temployee',
      `${A}\tapply\tSMART\tVOICE_ECO\t-340.00\t50.00\t\t\t`,
      `${B}\tapply\tSMART\tBUSINESS_START\t-140.00\t50.00\t\t\t`,
    ]);
    expect(r.stderr).toContain('one-time fees RUB 100.00. Nothing was changed (dry run).');
    expect(stub.calls.every((c) => c.route === 'operations.rollbackPlan')).toBe(true);
    expect(stub.callsTo('operations.rollbackPlan')[0]).toEqual({
      route: 'operations.rollbackPlan',
      params: { id: 'op_1' },
    });
    expect(asked).toEqual([]);
  });

  it('--dry-run --json opens the plan with the type the backend gives the rollback', async () => {
    stub.on('operations.rollbackPlan', rollbackLines);
    const r = await runCommand(stub, ['ops', 'rollback', 'op_1', '--dry-run', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({
      type: 'tariff.change',
      params: {},
      total: 2,
      apply: 2,
      fees: 10000,
      items: [expect.objectContaining({ msisdn: A, fee: 5000 }), expect.objectContaining({ msisdn: B })],
    });
  });

  it('says what it will do and what it costs before asking, then submits it with its own key', async () => {
    answer = true;
    stub
      .on('operations.rollbackPlan', rollbackLines)
      .on('operations.rollback', operation({ id: 'op_2', total: 2, rollbackOf: 'op_1' }))
      .on(
        'operations.show',
        operation({ id: 'op_2', state: 'succeeded', total: 2, queued: 0, succeeded: 2 }),
      );
    const r = await runCommand(stub, ['ops', 'rollback', 'op_1']);
    expect(r.code).toBe(0);
    expect(asked).toEqual([
      [
        'Of 2 numbers, 2 will change, 0 will be skipped and 0 would fail; monthly cost -RUB 480.00, one-time fees RUB 100.00.',
        'Undo operation op_1: change 2 numbers back (tariff.change)?',
      ].join('\n'),
    ]);
    expect(stub.callsTo('operations.rollback')).toEqual([
      { route: 'operations.rollback', params: { id: 'op_1' }, idempotencyKey: 'rollback:op_1' },
    ]);
  });

  it('needs --yes without a terminal (exit 2), pointing at --dry-run, and plans nothing', async () => {
    jest.restoreAllMocks();
    const r = await runCommand(stub, ['ops', 'rollback', 'op_1']);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(/rollback needs confirmation.*--dry-run.*--yes/);
    expect(stub.calls).toEqual([]);
  });
});

describe('the output flags on every path of a change', () => {
  const submitted = operation({ total: 1, queued: 1 });

  it('--no-wait --json prints the operation as vm ops show --json does; plain --no-wait the bare id', async () => {
    stub.on('tariffs.list', tariffs).on('operations.create', submitted).on('operations.show', submitted);
    const r = await runCommand(stub, ['tariff', 'set', 'SMART', A, '--no-wait', '--json']);
    expect(r.code).toBe(0);
    const shown = await runCommand(stub, ['ops', 'show', 'op_1', '--json']);
    expect(r.stdout).toBe(shown.stdout);
    expect(JSON.parse(r.stdout)).toEqual(submitted);
    const plain = await runCommand(stub, ['tariff', 'set', 'SMART', A, '--no-wait']);
    expect(plain.stdout).toBe('op_1\n');
  });

  it('--no-wait --json prints an array when the change became several operations, and --csv a row each', async () => {
    let n = 0;
    stub.on('operations.create', (call: RecordedCall) => {
      const body = call.body as { scheduledAt?: string };
      return operation({
        id: `op_${++n}`,
        total: 1,
        state: body.scheduledAt ? 'scheduled' : 'queued',
        scheduledAt: body.scheduledAt ?? null,
      });
    });
    const at = '2099-01-01T09:00:00Z';
    const stdin = `number;at\n${A};\n${B};${at}\n`;
    const json = await runCommand(stub, ['unblock', '--file', '-', '--yes', '--no-wait', '--json'], {
      stdin,
    });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ id: 'op_1', state: 'queued' }),
      expect.objectContaining({ id: 'op_2', state: 'scheduled', scheduledAt: '2099-01-01T09:00:00.000Z' }),
    ]);
    const csv = await runCommand(
      stub,
      ['unblock', '--file', '-', '--yes', '--no-wait', '--csv', '--fields', 'id,state'],
      {
        stdin,
      },
    );
    expect(csv.stdout).toBe('id,state\nop_3,queued\nop_4,scheduled\n');
  });

  it('prints a scheduled operation with --json instead of its bare id', async () => {
    const scheduled = operation({ total: 1, state: 'scheduled', scheduledAt: '2099-01-01T09:00:00.000Z' });
    stub.on('operations.create', scheduled);
    const r = await runCommand(stub, ['unblock', A, '--at', '2099-01-01T09:00:00Z', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(scheduled);
    expect(r.stderr).toContain('Operation op_1 is scheduled for 2099-01-01T09:00:00.000Z');
    const plain = await runCommand(stub, ['unblock', A, '--at', '2099-01-01T09:00:00Z']);
    expect(plain.stdout).toBe('op_1\n');
  });

  it('vm ops wait --json prints the finished operation, exiting 3 when numbers failed', async () => {
    const done = operation({ state: 'partially_failed', queued: 0, succeeded: 2, failed: 1 });
    stub.on('operations.show', done);
    const r = await runCommand(stub, ['ops', 'wait', 'op_1', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual(done);
  });

  it('vm ops rollback --no-wait --json prints the rollback operation', async () => {
    const back = operation({ id: 'op_2', rollbackOf: 'op_1' });
    stub.on('operations.rollback', back);
    const r = await runCommand(stub, ['ops', 'rollback', 'op_1', '--yes', '--no-wait', '--json']);
    expect(JSON.parse(r.stdout)).toEqual(back);
  });

  it('says an error under --json as the error object on stderr, bad rows and all', async () => {
    const r = await runCommand(stub, ['unblock', '--file', '-', '--yes', '--json'], {
      stdin: `number\n${A}\n8916123\n`,
    });
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(JSON.parse(r.stderr)).toEqual({
      error: {
        code: 'invalid_input',
        message: expect.stringContaining('1 rows are not valid; nothing was sent'),
        exitCode: 2,
        rows: [
          { source: 'stdin', line: 3, value: '8916123', reason: '"8916123" is not a valid phone number' },
        ],
        count: 1,
      },
    });
    stub.on(
      'operations.create',
      apiError('forbidden', 'Missing permission block:write', {
        reason: 'permission_missing',
        permission: 'block:write',
      }),
    );
    const api = await runCommand(stub, ['unblock', A, '--jsonl']);
    expect(api.code).toBe(5);
    expect(JSON.parse(api.stderr)).toEqual({
      error: {
        code: 'forbidden',
        message: 'Not allowed: you do not have the block:write permission (request id: req_test)',
        exitCode: 5,
        details: { reason: 'permission_missing', permission: 'block:write' },
        requestId: 'req_test',
      },
    });
    const text = await runCommand(stub, ['unblock', A]);
    expect(text.stderr).toMatch(/^vm: Not allowed/);
  });
});
