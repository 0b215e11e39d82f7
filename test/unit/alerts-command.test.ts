import type { AlertRule, AlertSetResult } from '../../src/api/alerts.js';
import type { LimitView } from '../../src/api/billing.js';
import { apiError, runCommand, StubClient } from '../support/cli-harness.js';

/**
 * vm alerts in-process against a stub client: what it sends for its flags (percentages, rubles, counts,
 * numbers from a file, a group), what it refuses before sending anything (exit 2), and what it prints.
 */

const A = '+79161234567';
const B = '+79161234568';

let stub: StubClient;
beforeEach(() => {
  stub = new StubClient();
});
const vm = (...argv: string[]) => runCommand(stub, argv);

function result(over: Partial<AlertSetResult> = {}): AlertSetResult {
  return {
    dryRun: false,
    metric: 'spend',
    period: 'month',
    threshold: 80,
    ofLimit: true,
    action: 'notify',
    notify: ['email'],
    targets: 1,
    created: 1,
    replaced: 0,
    ids: ['al_1'],
    ...over,
  };
}

function ruleView(over: Partial<AlertRule> = {}): AlertRule {
  return {
    id: 'al_1',
    msisdn: A,
    groupId: null,
    groupName: null,
    metric: 'spend',
    period: 'month',
    threshold: 80,
    ofLimit: true,
    action: 'notify',
    notify: ['email'],
    setAt: '2026-11-02T10:00:00.000Z',
    setBy: 'admin@demo.test',
    ...over,
  };
}

describe('vm alerts set', () => {
  it('sends a percentage of the limit for --threshold 80% --of-limit, with an Idempotency-Key', async () => {
    stub.on('alerts.set', result());
    const r = await vm(
      'alerts',
      'set',
      A,
      '8 916 123-45-68',
      '--metric',
      'spend',
      '--threshold',
      '80%',
      '--of-limit',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /Alert rule set on numbers: 1 \(1 new, 0 replaced\): spend reaching 80% of the limit/,
    );
    const [call] = stub.callsTo('alerts.set');
    expect(call?.body).toEqual({
      numbers: [A, B],
      metric: 'spend',
      period: 'month',
      threshold: 80,
      ofLimit: true,
      action: 'notify',
    });
    expect(call?.idempotencyKey).toMatch(/\S/);
  });

  it('reads --value as rubles for spend and as a count for the others, per day, with the channels', async () => {
    stub.on('alerts.set', result());
    await vm(
      'alerts',
      'set',
      A,
      '--metric',
      'Spend',
      '--value',
      '1 500,50',
      '--period',
      'day',
      '--notify',
      'email, SMS',
    );
    await vm(
      'alerts',
      'set',
      '--group',
      'drivers',
      '--metric',
      'data',
      '--value',
      '5,000',
      '--action',
      'block',
    );
    const [money, data] = stub.callsTo('alerts.set').map((c) => c.body);
    expect(money).toEqual({
      numbers: [A],
      metric: 'spend',
      period: 'day',
      threshold: 150050,
      ofLimit: false,
      action: 'notify',
      notify: ['email', 'sms'],
    });
    expect(data).toEqual({
      group: 'drivers',
      metric: 'data',
      period: 'month',
      threshold: 5000,
      ofLimit: false,
      action: 'block',
    });
  });

  it('reads the numbers of a file whole first, and sends a dry run without a key', async () => {
    stub.on('alerts.set', result({ dryRun: true, targets: 2, created: 2, ids: [] }));
    const r = await runCommand(
      stub,
      ['alerts', 'set', '--file', '-', '--metric', 'minutes', '--value', '300', '--dry-run', '--json'],
      { stdin: `number\n${A}\n8 (916) 123-45-68\n${A}\n` },
    );
    expect(r.code).toBe(0);
    const [call] = stub.callsTo('alerts.set');
    expect(call).toMatchObject({ query: { dryRun: true }, body: { numbers: [A, B] } });
    expect(call?.idempotencyKey).toBeUndefined();
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, created: 2 });
    expect(r.stderr).toMatch(/Dry run: .* Nothing was changed/);
  });

  it('refuses before sending anything: no threshold, both kinds, bad values, targets and a group (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['--metric', 'spend'], /--threshold 80% \(of the limit\) or as --value N/],
      [['--metric', 'spend', '--threshold', '80%', '--value', '100'], /one of the two/],
      [['--metric', 'spend', '--value', '100', '--of-limit'], /--of-limit goes with --threshold/],
      [['--metric', 'speed', '--value', '1'], /Unknown metric "speed"/],
      [['--metric', 'sms', '--value', '1.5'], /Cannot read "1.5": use a whole number/],
      [['--metric', 'spend', '--threshold', '80.5%'], /Cannot read the percentage "80.5%"/],
      [['--metric', 'sms', '--value', '5', '--period', 'week'], /Unknown period "week"/],
      [['--metric', 'sms', '--value', '5', '--action', 'warn'], /Unknown action "warn"/],
      [['--metric', 'sms', '--value', '5', '--notify', 'pager'], /Unknown channel "pager"/],
      [
        ['--metric', 'sms', '--value', '5', '--group', 'drivers'],
        /Give numbers \(arguments or --file\) or --group/,
      ],
    ];
    for (const [flags, message] of cases) {
      const r = await vm('alerts', 'set', A, ...flags);
      expect({ flags, code: r.code }).toEqual({ flags, code: 2 });
      expect(r.stderr).toMatch(message);
    }
    const noTarget = await vm('alerts', 'set', '--metric', 'sms', '--value', '5');
    expect(noTarget.code).toBe(2);
    const badNumber = await vm('alerts', 'set', '8916123', '--metric', 'sms', '--value', '5');
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toMatch(/argv:1: "8916123" is not a valid phone number/);
    expect(stub.calls).toEqual([]);
  });

  it("words the backend's refusal in Russian: no limit to take a percentage of", async () => {
    stub.on(
      'alerts.set',
      apiError('business_rule', 'no limit', { reason: 'alert_limit_missing', numbers: [A], count: 1 }),
    );
    const r = await vm('--lang', 'ru', 'alerts', 'set', A, '--metric', 'spend', '--threshold', '80');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Нет лимита расходов, от которого брать процент, у ${A}`);
  });
});

describe('vm alerts list', () => {
  it('prints the threshold as a number with its unit for machines, and in words in the table', async () => {
    stub.on('alerts.list', [
      ruleView(),
      ruleView({
        id: 'al_2',
        msisdn: null,
        groupId: 'drivers',
        groupName: 'Drivers',
        metric: 'data',
        threshold: 1500,
        ofLimit: false,
        period: 'day',
      }),
      ruleView({ id: 'al_3', threshold: 150050, ofLimit: false }),
    ]);
    const r = await vm('alerts', 'list', '--group', 'drivers');
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows[0]).toEqual([
      'id',
      'msisdn',
      'groupId',
      'metric',
      'threshold',
      'unit',
      'period',
      'action',
      'notify',
      'setBy',
      'setAt',
    ]);
    expect(rows.slice(1).map((row) => row.slice(0, 7))).toEqual([
      ['al_1', A, '', 'spend', '80%', '%', 'month'],
      ['al_2', '', 'drivers', 'data', '1500', 'MB', 'day'],
      ['al_3', A, '', 'spend', '1500.50', 'RUB', 'month'],
    ]);
    expect(stub.callsTo('alerts.list')[0]?.query).toMatchObject({ group: 'drivers' });

    const table = await runCommand(stub, ['alerts', 'list'], { columns: 160 });
    expect(table.stdout).toContain('80% of the limit');
    expect(table.stdout).toContain('1,500 MB');
    expect(table.stdout).toContain('RUB 1,500.50');
    expect(table.stdout).not.toMatch(/\bunit\b|Unit/);
    const ru = await runCommand(stub, ['--lang', 'ru', 'alerts', 'list'], { columns: 160 });
    expect(ru.stdout).toContain('80% лимита');
    expect(ru.stdout).toContain('1\u00a0500 МБ');
  });
});

describe('vm alerts remove', () => {
  it('removes by id, or by numbers and the rule; a mix of ids and numbers is exit 2', async () => {
    stub.on('alerts.remove', { removed: 2, ids: ['al_1', 'al_2'] });
    expect((await vm('alerts', 'remove', 'al_1', 'al_2')).stderr).toMatch(/Alert rules removed: 2/);
    await vm('alerts', 'remove', A, '--metric', 'data', '--value', '500', '--period', 'day');
    const [byId, byKey] = stub.callsTo('alerts.remove').map((c) => c.body);
    expect(byId).toEqual({ ids: ['al_1', 'al_2'] });
    expect(byKey).toEqual({ numbers: [A], metric: 'data', period: 'day', threshold: 500, ofLimit: false });
    const mixed = await vm('alerts', 'remove', 'al_1', A);
    expect(mixed.code).toBe(2);
    const keyless = await vm('alerts', 'remove', A);
    expect(keyless.code).toBe(2);
    expect(stub.callsTo('alerts.remove')).toHaveLength(2);
  });
});

describe('vm limits list', () => {
  it('shows the thresholds on each limit: the defaults and the rules on spend', async () => {
    const limit: LimitView = {
      msisdn: A,
      monthly: 200000,
      action: 'notify',
      setAt: '2026-11-02T10:00:00.000Z',
      setBy: 'admin@demo.test',
      periodStart: '2026-11-01',
      spent: 93000,
      breached: false,
      alerts: [
        { id: null, threshold: 50, ofLimit: true, period: 'month', action: 'notify' },
        { id: 'al_1', threshold: 80, ofLimit: true, period: 'month', action: 'block' },
        { id: null, threshold: 100, ofLimit: true, period: 'month', action: 'notify' },
        { id: 'al_2', threshold: 150000, ofLimit: false, period: 'day', action: 'notify' },
      ],
    };
    stub.on('limits.list', [limit]);
    const r = await vm('limits', 'list');
    const [head, row] = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(row?.[head?.indexOf('alerts') as number]).toBe('50%,80% block,100%,1500.00/day');
  });
});
