import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Balance, LimitView, Report, ReportInfo } from '../../src/api/billing.js';
import type { Line } from '../../src/api/lines.js';
import type { Operation, OperationItem } from '../../src/api/operations.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { demo, loginAs, makeConfigHome, parseJson, removeTempDirs, runVm } from '../support/run-vm.js';

/**
 * vm balance, vm limits and vm report against a real backend on a manual clock: what a user sees in
 * each output format, what a spending limit does when billing passes it, and that each report agrees
 * with the rest of the CLI (numbers, limits, operations, the audit log).
 */

const REPORT_TYPES = [
  'expenses',
  'usage',
  'inventory',
  'blocked',
  'limits',
  'activity',
  'tariff-optimization',
];
const DAY = 86_400;

/** Moves the backend's clock; the backend answers once its worker has caught up. */
async function advance(backend: BackendProcess, seconds: number): Promise<void> {
  const res = await fetch(`${backend.url}/v1/test/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceSeconds: seconds }),
  });
  expect(res.status).toBe(200);
}

/** Logs in as the demo admin and makes an API token: sessions end after 20 idle minutes of backend time. */
async function adminToken(backend: BackendProcess, configHome: string): Promise<string> {
  await loginAs(backend.url, configHome, demo.admin.email, demo.admin.password);
  const r = await runVm(['tokens', 'create', '--name', 'money-reports', '--json'], {
    server: backend.url,
    configHome,
  });
  expect(r.code).toBe(0);
  return parseJson<{ token: string }>(r.stdout).token;
}

/** Whole days from `a` to `b`. */
const daysBetween = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / (DAY * 1000));

describe('balance and spending limits (vm balance, vm limits)', () => {
  let backend: BackendProcess;
  let config: string;
  let token: string;
  let work: string;
  let active: Line[];
  const vm = (...args: string[]) =>
    runVm(args, { server: backend.url, configHome: config, env: { VM_TOKEN: token } });
  const limits = async () => {
    const r = await vm('limits', 'list', '--json');
    expect(r.code).toBe(0);
    return parseJson<LimitView[]>(r.stdout);
  };

  beforeAll(async () => {
    backend = await startBackendProcess({ clock: '2026-11-20T10:00:00Z', testMode: true, lines: 120 });
    config = makeConfigHome();
    token = await adminToken(backend, config);
    active = parseJson<Line[]>((await vm('numbers', 'list', '--status', 'active', '--json')).stdout);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-money-'));
  });

  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('shows four accounts with their period, charges so far and forecast, and a total in JSON', async () => {
    const r = await vm('balance', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const balance = parseJson<Balance>(r.stdout);
    expect(balance.accounts.map((a) => a.accountId)).toEqual(['4001001', '4001002', '4001003', '4001004']);
    for (const a of balance.accounts) {
      expect(a.periodStart).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(a.periodEnd).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(a.periodStart <= '2026-11-20' && '2026-11-20' <= a.periodEnd).toBe(true);
      expect(a.charges).toEqual({
        tariffFees: expect.any(Number),
        serviceFees: expect.any(Number),
        usage: expect.any(Number),
        oneTime: expect.any(Number),
        total: a.charges.tariffFees + a.charges.serviceFees + a.charges.usage + a.charges.oneTime,
      });
      expect(a.forecast).toBeGreaterThanOrEqual(a.charges.total);
    }
    expect(balance.accounts.find((a) => a.accountId === '4001001')).toMatchObject({
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
    });
    expect(balance.total.balance).toBe(balance.accounts.reduce((s, a) => s + a.balance, 0));
    expect(balance.total.charges).toBe(balance.accounts.reduce((s, a) => s + a.charges.total, 0));
  });

  it('prints exactly the account rows when piped, one row for --account, and refuses an unknown account', async () => {
    const all = await vm('balance');
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]?.split('\t').slice(0, 3)).toEqual(['accountId', 'name', 'balance']);
    expect(lines.slice(1).map((l) => l.split('\t')[0])).toEqual(['4001001', '4001002', '4001003', '4001004']);
    expect(all.stderr).toMatch(/Usage is charged up to the end of 2026-11-19/);

    const one = await vm('balance', '--account', '4001003');
    expect(one.code).toBe(0);
    const oneLines = one.stdout.trimEnd().split('\n');
    expect(oneLines).toHaveLength(2);
    expect(oneLines[1]?.split('\t')[0]).toBe('4001003');

    const unknown = await vm('balance', '--account', '9999999');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/No account 9999999/);
  });

  it('charges usage as days pass and forecasts from the days billed, whatever reports were run', async () => {
    await advance(backend, 3 * DAY); // 2026-11-23 10:00: three days of usage closed
    const before = parseJson<Balance>((await vm('balance', '--json')).stdout);
    expect(before.closedThrough).toBe('2026-11-22');
    expect(before.accounts.reduce((s, a) => s + a.charges.usage, 0)).toBeGreaterThan(0);
    for (const a of before.accounts) {
      expect(a.forecast).toBeGreaterThanOrEqual(a.charges.total);
      // Billing began on 2026-11-20: the usage of its 3 days, per day, for the days left in the period.
      const daysLeft = daysBetween('2026-11-23', a.periodEnd) + 1;
      expect(
        Math.abs(a.forecast - (a.charges.total + Math.round((a.charges.usage / 3) * daysLeft))),
      ).toBeLessThanOrEqual(1);
    }
    // A usage report over days before billing began generates their history; the forecast must not move.
    const report = await vm('report', 'usage', '--from', '2026-11-01', '--to', '2026-11-22', '--json');
    expect(report.code).toBe(0);
    const after = parseJson<Balance>((await vm('balance', '--json')).stdout);
    expect(after.accounts.map((a) => a.forecast)).toEqual(before.accounts.map((a) => a.forecast));
  });

  it('sets a block limit in rubles, lists it in kopecks, and reports a repeat as skipped', async () => {
    const n = active[0] as Line;
    const set = await vm('limits', 'set', n.msisdn, '--monthly', '2000', '--action', 'block', '--yes');
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('');
    expect(set.stderr).toMatch(/succeeded: 1 changed, 0 skipped, 0 failed/);
    expect(await limits()).toEqual([
      expect.objectContaining({ msisdn: n.msisdn, monthly: 200000, action: 'block', breached: false }),
    ]);

    const again = await vm(
      'limits',
      'set',
      n.msisdn,
      '--monthly',
      '2000',
      '--action',
      'block',
      '--yes',
      '--json',
    );
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/succeeded: 0 changed, 1 skipped, 0 failed/);
    expect(parseJson<OperationItem[]>(again.stdout)).toEqual([
      expect.objectContaining({ msisdn: n.msisdn, state: 'skipped', code: 'limit_unchanged' }),
    ]);
  });

  it('plans a change with --dry-run without making it, refuses an unknown action, and removes a limit', async () => {
    const n = active[0] as Line;
    const plan = await vm('limits', 'set', n.msisdn, '--monthly', '100', '--dry-run');
    expect(plan.code).toBe(0);
    expect(plan.stdout.split('\n')[0]).toMatch(/^msisdn\toutcome\t/);
    expect(plan.stdout).toMatch(new RegExp(`^\\${n.msisdn}\\tapply\\t`, 'm'));
    expect(plan.stderr).toMatch(/1 to change.*Nothing was changed \(dry run\)/s);
    const planJson = await vm('limits', 'set', n.msisdn, '--monthly', '100', '--dry-run', '--json');
    expect(parseJson<{ items: { after: unknown }[] }>(planJson.stdout).items).toEqual([
      expect.objectContaining({ after: { limit: { monthly: 10000, action: 'notify' } } }),
    ]);
    expect((await limits()).map((l) => [l.msisdn, l.monthly, l.action])).toEqual([
      [n.msisdn, 200000, 'block'],
    ]);

    const maybe = await vm('limits', 'set', n.msisdn, '--monthly', '100', '--action', 'maybe', '--yes');
    expect(maybe.code).toBe(2);
    expect(maybe.stderr).toMatch(/Unknown limit action "maybe": use notify or block/);
    expect((await limits())[0]?.monthly).toBe(200000);

    const removed = await vm('limits', 'remove', n.msisdn, '--yes');
    expect(removed.code).toBe(0);
    expect(removed.stderr).toMatch(/succeeded: 1 changed/);
    expect(await limits()).toEqual([]);
  });

  it('sets, lists and removes a group limit (--for-group), alone and in either language', async () => {
    const set = await vm(
      'limits',
      'set',
      '--for-group',
      'Drivers',
      '--monthly',
      '1 500',
      '--action',
      'block',
    );
    expect(set.code).toBe(0);
    expect(set.stderr).toContain('Group Drivers: limit');
    const listed = parseJson<{ groupId: string; monthly: number; action: string }[]>(
      (await vm('limits', 'list', '--groups', '--json')).stdout,
    );
    expect(listed).toEqual([
      expect.objectContaining({ groupId: 'drivers', monthly: 150000, action: 'block' }),
    ]);
    const mixed = await vm('limits', 'set', '--for-group', 'drivers', '--monthly', '100', '--all');
    expect(mixed.code).toBe(2);
    expect((await vm('limits', 'remove', '--for-group', 'drivers')).code).toBe(0);
    expect(parseJson<unknown[]>((await vm('limits', 'list', '--groups', '--json')).stdout)).toEqual([]);
    const again = await vm('limits', 'remove', '--for-group', 'drivers', '--lang', 'ru');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('нет лимита');
  });

  it('reads per-row limits from a CSV with Russian money, and refuses the whole file for one bad amount', async () => {
    const [a, b, c, d] = active.slice(1, 5) as [Line, Line, Line, Line];
    const bad = path.join(work, 'bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(
      path.join(bad, 'limits.csv'),
      `number;monthly;action\n${a.msisdn};1 500,00;notify\n${b.msisdn};abc;block\n`,
    );
    const refused = await vm('limits', 'set', '--file', path.join(bad, 'limits.csv'), '--yes');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/limits\.csv:3: monthly: "abc"/);
    expect(refused.stderr).toMatch(/nothing was sent/);
    expect(await limits()).toEqual([]);

    const good = path.join(work, 'limits.csv');
    fs.writeFileSync(
      good,
      `number;monthly;action\n${a.msisdn};1 500,00;notify\n${b.msisdn};1 500,00;block\n${c.msisdn};"2 000,50";\n`,
    );
    const set = await vm('limits', 'set', '--file', good, '--yes');
    expect(set.code).toBe(0);
    expect(set.stderr).toMatch(/succeeded: 3 changed, 0 skipped, 0 failed/);
    const list = await limits();
    expect(list.map((l) => [l.msisdn, l.monthly, l.action])).toEqual(
      [
        [a.msisdn, 150000, 'notify'],
        [b.msisdn, 150000, 'block'],
        [c.msisdn, 200050, 'notify'],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    expect(list.map((l) => l.msisdn)).not.toContain(d.msisdn);

    // A script paging through the API with a small page still finds one number's limit.
    const last = list[list.length - 1] as LimitView;
    const res = await fetch(`${backend.url}/v1/limits?number=${encodeURIComponent(last.msisdn)}&limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: LimitView[] }).data.map((l) => l.msisdn)).toEqual([last.msisdn]);
    const one = await vm('limits', 'list', '--number', last.msisdn);
    expect(one.code).toBe(0);
    expect(one.stdout.trimEnd().split('\n').slice(1)).toEqual([
      expect.stringMatching(`^\\${last.msisdn}\\t`),
    ]);
  });
});

describe('limit breaches and reports (vm report)', () => {
  let backend: BackendProcess;
  let config: string;
  let token: string;
  let lines: Line[];
  let blocked: Line;
  let notified: Line;
  const vm = (...args: string[]) =>
    runVm(args, { server: backend.url, configHome: config, env: { VM_TOKEN: token } });
  const report = async (...args: string[]) => {
    const r = await vm('report', ...args, '--json');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return parseJson<Report>(r.stdout);
  };

  beforeAll(async () => {
    backend = await startBackendProcess({ clock: '2026-11-20T10:00:00Z', testMode: true, lines: 120 });
    config = makeConfigHome();
    token = await adminToken(backend, config);
    lines = parseJson<Line[]>((await vm('numbers', 'list', '--json')).stdout);
    const active = lines.filter((l) => l.status === 'active');
    blocked = active[0] as Line;
    notified = active[1] as Line;
  });

  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
  });

  it('blocks a number over its block limit by an operation and only notifies for a notify limit', async () => {
    expect(
      (await vm('limits', 'set', blocked.msisdn, '--monthly', '1.00', '--action', 'block', '--yes')).code,
    ).toBe(0);
    expect(
      (await vm('limits', 'set', notified.msisdn, '--monthly', '1,00', '--action', 'notify', '--yes')).code,
    ).toBe(0);
    await advance(backend, 2 * DAY);

    const shown = await vm('numbers', 'show', blocked.msisdn, '--json');
    expect(shown.code).toBe(0);
    expect(parseJson<Line>(shown.stdout)).toMatchObject({ status: 'blocked', blockReason: 'limit_exceeded' });
    const ops = parseJson<Operation[]>((await vm('ops', 'list', '--json')).stdout);
    const byLimits = ops.filter((o) => o.createdBy === 'limits');
    expect(byLimits).toEqual([
      expect.objectContaining({
        type: 'number.block',
        state: 'succeeded',
        total: 1,
        params: { reason: 'limit_exceeded' },
      }),
    ]);
    const items = parseJson<OperationItem[]>(
      (await vm('ops', 'show', (byLimits[0] as Operation).id, '--items', '--json')).stdout,
    );
    expect(items.map((i) => i.msisdn)).toEqual([blocked.msisdn]);

    expect(parseJson<Line>((await vm('numbers', 'show', notified.msisdn, '--json')).stdout).status).toBe(
      'active',
    );
    const outbox = await fetch(
      `${backend.url}/v1/test/outbox?recipient=${encodeURIComponent(notified.msisdn)}`,
    );
    const sms = ((await outbox.json()) as { data: { channel: string; text: string }[] }).data;
    expect(sms).toEqual([
      expect.objectContaining({ channel: 'sms', text: expect.stringContaining('Spending limit RUB 1.00') }),
    ]);

    const breaches = await report('limits');
    expect(breaches.rows.map((r) => [r.msisdn, r.monthly, r.action, r.operationId]).sort()).toEqual(
      [
        [blocked.msisdn, 100, 'block', (byLimits[0] as Operation).id],
        [notified.msisdn, 100, 'notify', null],
      ].sort(),
    );
    for (const r of breaches.rows) expect(r.spent as number).toBeGreaterThan(100);
  });

  it('lists the seven report types', async () => {
    const r = await vm('report', 'list');
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split('\n');
    expect(rows[0]?.split('\t')[0]).toBe('type');
    expect(rows.slice(1).map((l) => l.split('\t')[0])).toEqual(REPORT_TYPES);
    const json = parseJson<ReportInfo[]>((await vm('report', 'list', '--json')).stdout);
    expect(json.map((i) => i.type)).toEqual(REPORT_TYPES);
  });

  it('has an inventory row for every number and a blocked row for every blocked number', async () => {
    const now = parseJson<Line[]>((await vm('numbers', 'list', '--json')).stdout);
    const inventory = await report('inventory');
    expect(inventory.rows).toHaveLength(now.length);
    expect(new Set(inventory.rows.map((r) => r.msisdn))).toEqual(new Set(now.map((l) => l.msisdn)));

    const blockedReport = await report('blocked');
    const blockedNow = now.filter((l) => l.status === 'blocked');
    expect(blockedReport.rows.map((r) => r.msisdn).sort()).toEqual(blockedNow.map((l) => l.msisdn).sort());
    expect(blockedReport.rows.find((r) => r.msisdn === blocked.msisdn)).toMatchObject({
      reason: 'limit_exceeded',
    });
  });

  it('totals expenses by account and by group alike, and refuses --by nonsense', async () => {
    const byAccount = await report('expenses', '--by', 'account');
    expect(byAccount.rows.map((r) => r.key).sort()).toEqual(['4001001', '4001002', '4001003', '4001004']);
    const sum = byAccount.rows.reduce((s, r) => s + (r.total as number), 0);
    expect(sum).toBeGreaterThan(0);
    expect(byAccount.totals?.total).toBe(sum);

    const byGroup = await report('expenses', '--by', 'group');
    expect(byGroup.rows.length).toBeGreaterThan(1);
    expect(byGroup.rows.map((r) => r.key)).toContain(blocked.groupId);
    expect(byGroup.rows.reduce((s, r) => s + (r.total as number), 0)).toBe(sum);
    expect(byGroup.totals?.total).toBe(sum);

    const nonsense = await vm('report', 'expenses', '--by', 'nonsense');
    expect(nonsense.code).toBe(2);
    expect(nonsense.stdout).toBe('');
    expect(nonsense.stderr).toMatch(/--by: "nonsense" is not number, group or account/);
  });

  it('writes usage of a month as CSV with numeric minutes, and one row for --number', async () => {
    const r = await vm('report', 'usage', '--period', '2026-10', '--csv');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/2026-10-01 … 2026-10-31/);
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(lines.length);
    expect(Object.keys(rows[0] as object)).toEqual([
      'msisdn',
      'employee',
      'tariff',
      'calls',
      'minutes',
      'sms',
      'dataMb',
      'roamingMinutes',
      'roamingMb',
      'cost',
    ]);
    for (const row of rows) expect(row.minutes).toMatch(/^\d+$/);
    expect(rows.reduce((s, row) => s + Number(row.minutes), 0)).toBeGreaterThan(0);

    const one = await vm('report', 'usage', '--period', '2026-10', '--csv', '--number', notified.msisdn);
    expect(one.code).toBe(0);
    const oneRows = parse(one.stdout, { columns: true }) as Record<string, string>[];
    expect(oneRows).toEqual([rows.find((row) => row.msisdn === notified.msisdn)]);
  });

  it('reports on the numbers of a CSV file, validated completely first', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-report-'));
    try {
      const good = path.join(dir, 'numbers.csv');
      const chosen = lines.slice(2, 5).map((l) => l.msisdn);
      // Another spelling of a number, as an Excel export would have it.
      fs.writeFileSync(
        good,
        `Номер;Сотрудник\n${chosen[0]?.replace('+7', '8')};a\n${chosen[1]};b\n${chosen[2]};c\n`,
      );
      const r = await report('usage', '--period', '2026-10', '--file', good);
      expect(r.rows.map((row) => row.msisdn).sort()).toEqual([...chosen].sort());
      const bad = path.join(dir, 'bad.csv');
      fs.writeFileSync(bad, `number\n${chosen[0]}\n12345\n`);
      const refused = await vm('report', 'usage', '--file', bad);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`${bad}:3`);
      expect(refused.stdout).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows the audit trail to an admin and refuses it to a viewer', async () => {
    const activity = await report('activity');
    const limitSets = activity.rows.filter((r) => r.action === 'limit.set').map((r) => r.target);
    expect(limitSets.sort()).toEqual([blocked.msisdn, notified.msisdn].sort());
    expect(activity.rows).toContainEqual(
      expect.objectContaining({ actor: 'billing', action: 'limit.breach', target: blocked.msisdn }),
    );

    const viewerConfig = makeConfigHome();
    await loginAs(backend.url, viewerConfig, demo.viewer.email, demo.viewer.password);
    const refused = await runVm(['report', 'activity', '--json'], {
      server: backend.url,
      configHome: viewerConfig,
    });
    expect(refused.code).toBe(5);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/audit:read/);
  });

  it('suggests only cheaper other tariffs, over the last three full months', async () => {
    const r = await report('tariff-optimization');
    expect(r.rows.length).toBeGreaterThan(0);
    expect({ from: r.from, to: r.to }).toEqual({ from: '2026-08-01', to: '2026-10-31' });
    for (const row of r.rows) {
      expect(row.suggested).not.toBe(row.tariff);
      expect(row.saving as number).toBeGreaterThan(0);
      expect(row.saving).toBe((row.currentCost as number) - (row.suggestedCost as number));
    }
    expect(r.totals?.saving).toBe(r.rows.reduce((s, row) => s + (row.saving as number), 0));
  });

  it('refuses an unknown report, a month 13 and a day that does not exist (exit 2)', async () => {
    const nope = await vm('report', 'nope');
    expect(nope.code).toBe(2);
    expect(nope.stdout).toBe('');
    expect(nope.stderr).toMatch(`No report "nope". Reports: ${REPORT_TYPES.join(', ')}`);

    const month = await vm('report', 'usage', '--period', '2026-13');
    expect(month.code).toBe(2);
    expect(month.stderr).toMatch(/--period: "2026-13" is not a month/);

    const day = await vm('report', 'expenses', '--from', '2026-02-30');
    expect(day.code).toBe(2);
    expect(day.stderr).toMatch(/--from: "2026-02-30" is not a day/);
  });

  it('says so in Russian with --lang ru', async () => {
    const r = await vm('report', 'nope', '--lang', 'ru');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Нет отчёта «nope»\. Отчёты: expenses, usage/);
  });
});
