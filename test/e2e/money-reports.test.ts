import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Balance, GroupLimitView, LimitView, Report } from '../../src/api/billing.js';
import type { Line } from '../../src/api/lines.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { demo, makeConfigHome, parseJson, removeTempDirs, runVm } from '../support/run-vm.js';

/**
 * vm balance, vm limits and vm report as the binary against a real backend process: each output format
 * a script reads, and the exit codes. The arithmetic (totals, per-group sums, forecasts, breaches) is
 * test/integration/money-reports.test.ts; parsing and usage errors are test/unit/commands.test.ts.
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

let backend: BackendProcess;
let config: string;
let token: string;
let work: string;
let lines: Line[];

/** A request to the backend's API itself, to arrange a state the CLI is then asked about. */
async function api<T>(method: string, route: string, body?: unknown, bearer = token): Promise<T> {
  const res = await fetch(`${backend.url}${route}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(method === 'POST' && route === '/v1/operations'
        ? { 'idempotency-key': `e2e-${Math.random()}` }
        : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as T;
}

/** A session token of a demo user (`vm login` itself is test/e2e/auth.test.ts). */
async function login(who: { email: string; password: string }): Promise<string> {
  return (
    await api<{ token: string }>('POST', '/v1/auth/login', { login: who.email, password: who.password }, '')
  ).token;
}

const vm = (...args: string[]) =>
  runVm(args, { server: backend.url, configHome: config, env: { VM_TOKEN: token } });
const tsv = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => l.split('\t'));

beforeAll(async () => {
  backend = await startBackendProcess({ clock: '2026-11-20T10:00:00Z', testMode: true, lines: 120 });
  config = makeConfigHome();
  // An API token: a session would end after 20 idle minutes of backend time, and the clock moves days.
  token = (
    await api<{ token: string }>('POST', '/v1/tokens', { name: 'money-reports' }, await login(demo.admin))
  ).token;
  lines = (await api<{ data: Line[] }>('GET', '/v1/numbers?limit=1000')).data;
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-money-'));
});

afterAll(async () => {
  await backend?.stop();
  removeTempDirs();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const active = () => lines.filter((l) => l.status === 'active');

describe('vm balance', () => {
  it('prints the account rows when piped, one account as JSON, and fails for an unknown account', async () => {
    const all = await vm('balance');
    expect(all.code).toBe(0);
    const rows = tsv(all.stdout);
    expect(rows[0]?.slice(0, 3)).toEqual(['accountId', 'name', 'balance']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['4001001', '4001002', '4001003', '4001004']);
    expect(all.stderr).toMatch(/Usage is charged up to the end of 2026-11-19/);

    const one = await vm('balance', '--account', '4001003', '--json');
    expect(one).toMatchObject({ code: 0, stderr: '' });
    const balance = parseJson<Balance>(one.stdout);
    expect(balance.accounts.map((a) => a.accountId)).toEqual(['4001003']);
    expect(balance.total.balance).toBe(balance.accounts[0]?.balance);

    const unknown = await vm('balance', '--account', '9999999');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/No account 9999999/);
  });
});

describe('vm limits', () => {
  it('sets a limit in rubles, lists it in kopecks, plans a change with --dry-run, and removes it', async () => {
    const n = active()[0] as Line;
    const set = await vm('limits', 'set', n.msisdn, '--monthly', '2000', '--action', 'block', '--yes');
    expect(set).toMatchObject({ code: 0, stdout: '' });
    expect(set.stderr).toMatch(/succeeded: 1 changed, 0 skipped, 0 failed/);
    const list = await vm('limits', 'list', '--json');
    expect(parseJson<LimitView[]>(list.stdout)).toEqual([
      expect.objectContaining({ msisdn: n.msisdn, monthly: 200000, action: 'block', breached: false }),
    ]);

    const plan = await vm('limits', 'set', n.msisdn, '--monthly', '100', '--dry-run');
    expect(plan.code).toBe(0);
    expect(plan.stdout.split('\n')[0]).toMatch(/^msisdn\toutcome\t/);
    expect(plan.stdout).toMatch(new RegExp(`^\\${n.msisdn}\\tapply\\t`, 'm'));
    expect(plan.stderr).toMatch(/1 to change.*Nothing was changed \(dry run\)/s);

    const removed = await vm('limits', 'remove', n.msisdn, '--yes');
    expect(removed.code).toBe(0);
    expect(removed.stderr).toMatch(/succeeded: 1 changed/);
    expect((await api<{ data: LimitView[] }>('GET', '/v1/limits')).data).toEqual([]);
  });

  it('reads per-row limits from a CSV file with Russian money', async () => {
    const [a, b, c] = active().slice(1, 4) as [Line, Line, Line];
    const file = path.join(work, 'limits.csv');
    fs.writeFileSync(
      file,
      `number;monthly;action\n${a.msisdn};1 500,00;notify\n${b.msisdn};1 500,00;block\n${c.msisdn};"2 000,50";\n`,
    );
    const set = await vm('limits', 'set', '--file', file, '--yes');
    expect(set.code).toBe(0);
    expect(set.stderr).toMatch(/succeeded: 3 changed, 0 skipped, 0 failed/);
    const list = (await api<{ data: LimitView[] }>('GET', '/v1/limits')).data;
    expect(list.map((l) => [l.msisdn, l.monthly, l.action])).toEqual(
      [
        [a.msisdn, 150000, 'notify'],
        [b.msisdn, 150000, 'block'],
        [c.msisdn, 200050, 'notify'],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
  });

  it('sets, lists and removes a group limit (--for-group)', async () => {
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
    const listed = await vm('limits', 'list', '--groups', '--json');
    expect(parseJson<GroupLimitView[]>(listed.stdout)).toEqual([
      expect.objectContaining({ groupId: 'drivers', monthly: 150000, action: 'block' }),
    ]);
    expect((await vm('limits', 'remove', '--for-group', 'drivers')).code).toBe(0);
  });
});

describe('vm report', () => {
  let blocked: Line;

  beforeAll(async () => {
    // A limit of one ruble that billing passes within a day: the number gets blocked, the breach reported.
    blocked = active()[4] as Line;
    await api('POST', '/v1/operations', {
      type: 'limit.set',
      params: { monthly: '100', action: 'block' },
      targets: [{ msisdn: blocked.msisdn }],
    });
    await api('POST', '/v1/test/clock', { advanceSeconds: 2 * DAY }, '');
    lines = (await api<{ data: Line[] }>('GET', '/v1/numbers?limit=1000')).data;
  });

  it('runs a report as a background job with --no-wait, and vm report get gives the rows of the answer at once', async () => {
    const atOnce = await vm('report', 'usage', '--period', '2026-10', '--json');
    expect(atOnce.code).toBe(0);
    const submitted = await vm('report', 'usage', '--period', '2026-10', '--no-wait', '--json');
    expect(submitted.code).toBe(0);
    const job = parseJson<{ id: string; type: string; state: string }>(submitted.stdout);
    expect(job).toMatchObject({ type: 'usage' });
    expect(job.id).toMatch(/^rj_/);
    expect(submitted.stderr).toMatch(new RegExp(`vm report get ${job.id}`));

    const got = await vm('report', 'get', job.id, '--json');
    expect(got.code).toBe(0);
    // The streamed result printed as the very text of the answer at once.
    expect(got.stdout).toBe(atOnce.stdout);

    const file = path.join(work, 'usage.csv');
    const saved = await vm('report', 'get', job.id, '--output', file);
    expect(saved).toMatchObject({ code: 0, stdout: '' });
    expect(saved.stderr).toMatch(/Saved 120 rows to /);
    const csv = parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(csv).toHaveLength(120);
    expect(csv[0]).toHaveProperty('msisdn');

    const jobs = await vm('report', 'jobs');
    expect(jobs.code).toBe(0);
    expect(tsv(jobs.stdout).map((row) => row[0])).toContain(job.id);

    const unknown = await vm('report', 'get', 'rj_0000000000000000');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No report job rj_0000000000000000/);
  });

  it('lists the seven report types', async () => {
    const r = await vm('report', 'list');
    expect(r.code).toBe(0);
    const rows = tsv(r.stdout);
    expect(rows[0]?.[0]).toBe('type');
    expect(rows.slice(1).map((row) => row[0])).toEqual(REPORT_TYPES);
  });

  it('expenses: TSV with the report columns and its period on stderr', async () => {
    const r = await vm('report', 'expenses', '--by', 'group');
    expect(r.code).toBe(0);
    const rows = tsv(r.stdout);
    expect(rows[0]?.[0]).toBe('key');
    expect(rows.slice(1).map((row) => row[0])).toContain(blocked.groupId);
    expect(r.stderr).toMatch(/^expenses: \d+ rows, 2026-11-01 … 2026-11-\d\d\.$/m);
  });

  it('usage: CSV of a month, a row per number, minutes as plain numbers', async () => {
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
  });

  it('usage of the numbers of a CSV file, another spelling of a number included', async () => {
    const chosen = lines.slice(2, 5).map((l) => l.msisdn);
    const file = path.join(work, 'numbers.csv');
    fs.writeFileSync(
      file,
      `Номер;Сотрудник\n${chosen[0]?.replace('+7', '8')};a\n${chosen[1]};b\n${chosen[2]};c\n`,
    );
    const r = await vm('report', 'usage', '--period', '2026-10', '--file', file, '--json');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(
      parseJson<Report>(r.stdout)
        .rows.map((row) => row.msisdn)
        .sort(),
    ).toEqual([...chosen].sort());
  });

  it('inventory: the report object whole as JSON, a row per number', async () => {
    const r = await vm('report', 'inventory', '--json');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const report = parseJson<Report>(r.stdout);
    expect(report).toMatchObject({ type: 'inventory', columns: expect.any(Array) });
    expect(report.rows).toHaveLength(lines.length);
  });

  it('blocked: the number its limit blocked, with the reason', async () => {
    const r = await vm('report', 'blocked');
    expect(r.code).toBe(0);
    const [header, ...rows] = tsv(r.stdout);
    const row = rows.find((x) => x[0] === blocked.msisdn);
    expect(row?.[header?.indexOf('reason') ?? -1]).toBe('limit_exceeded');
  });

  it('limits: the breach as JSON lines', async () => {
    const r = await vm('report', 'limits', '--jsonl');
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toContainEqual(
      expect.objectContaining({ msisdn: blocked.msisdn, action: 'block', monthly: 100 }),
    );
  });

  it('activity: the audit trail as CSV for an admin, exit 5 for a viewer', async () => {
    const r = await vm('report', 'activity', '--csv');
    expect(r.code).toBe(0);
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[];
    // An audit target is free text: in CSV a leading + gets a ' so a spreadsheet does not take it for a formula.
    expect(rows).toContainEqual(
      expect.objectContaining({ actor: 'billing', action: 'limit.breach', target: `'${blocked.msisdn}` }),
    );

    const refused = await runVm(['report', 'activity', '--json'], {
      server: backend.url,
      configHome: config,
      env: { VM_TOKEN: await login(demo.viewer) },
    });
    expect(refused.code).toBe(5);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/audit:read/);
  });

  it('tariff-optimization: JSON with its three months', async () => {
    const r = await vm('report', 'tariff-optimization', '-o', 'json');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const report = parseJson<Report>(r.stdout);
    expect({ from: report.from, to: report.to }).toEqual({ from: '2026-08-01', to: '2026-10-31' });
    expect(report.rows.length).toBeGreaterThan(0);
  });
});
