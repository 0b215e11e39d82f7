import type { AlertRule, AlertSetResult } from '../../src/api/alerts.js';
import type { LimitView } from '../../src/api/billing.js';
import type { Event } from '../../src/api/events.js';
import type { Line } from '../../src/api/lines.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { demo, makeConfigHome, parseJson, removeTempDirs, runVm } from '../support/run-vm.js';

/**
 * vm alerts as the binary against a real backend process: a rule set at 80% of a number's limit, listed
 * as JSON and beside the limit in `vm limits list`, fired once by billing as the test clock moves, then
 * removed. Parsing and usage errors are test/unit/alerts-command.test.ts; the crossing rules are
 * test/integration/alerts.test.ts.
 */

const DAY = 86_400;
let backend: BackendProcess;
let config: string;
let token: string;

async function api<T>(method: string, route: string, body?: unknown, bearer = token): Promise<T> {
  const res = await fetch(`${backend.url}${route}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(route === '/v1/operations' ? { 'idempotency-key': `e2e-${Math.random()}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as T;
}

const vm = (...args: string[]) =>
  runVm(args, { server: backend.url, configHome: config, env: { VM_TOKEN: token } });
const tsv = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => l.split('\t'));

beforeAll(async () => {
  backend = await startBackendProcess({ clock: '2026-11-02T10:00:00Z', testMode: true, lines: 80 });
  config = makeConfigHome();
  const session = (
    await api<{ token: string }>(
      'POST',
      '/v1/auth/login',
      { login: demo.admin.email, password: demo.admin.password },
      '',
    )
  ).token;
  // An API token: a session would end after 20 idle minutes of backend time, and the clock moves a day.
  token = (await api<{ token: string }>('POST', '/v1/tokens', { name: 'alerts-e2e' }, session)).token;
});

afterAll(async () => {
  await backend?.stop();
  removeTempDirs();
});

it('sets a rule at 80% of the limit, lists it, shows it with the limit, fires it once, and removes it', async () => {
  const lines = (await api<{ data: Line[] }>('GET', '/v1/numbers?status=active&limit=1000')).data;
  const [line, other] = lines.filter((l) => l.accountId === '4001002') as [Line, Line];

  // Without a limit there is nothing to take 80% of: the backend says so, exit 1, nothing set.
  const refused = await vm(
    'alerts',
    'set',
    line.msisdn,
    '--metric',
    'spend',
    '--threshold',
    '80%',
    '--of-limit',
  );
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/No spending limit to take a percentage of/);

  // A limit the fees of this period already fill to 85%: the first day billing closes passes 80%.
  expect((await vm('limits', 'set', line.msisdn, '--monthly', '10000000', '--yes')).code).toBe(0);
  const spent = (
    await api<{ data: LimitView[] }>('GET', `/v1/limits?number=${encodeURIComponent(line.msisdn)}`)
  ).data[0]?.spent as number;
  const monthly = Math.floor(spent / 0.85);
  const rubles = `${Math.floor(monthly / 100)}.${String(monthly % 100).padStart(2, '0')}`;
  expect((await vm('limits', 'set', line.msisdn, '--monthly', rubles, '--yes')).code).toBe(0);

  const set = await vm(
    'alerts',
    'set',
    line.msisdn,
    other.msisdn,
    '--metric',
    'spend',
    '--threshold',
    '80%',
    '--of-limit',
    '--dry-run',
  );
  expect(set.code).toBe(1); // the other number has no limit: the whole list is refused, even in a dry run
  const done = await vm(
    'alerts',
    'set',
    line.msisdn,
    '--metric',
    'spend',
    '--threshold',
    '80%',
    '--of-limit',
    '--json',
  );
  expect(done.code).toBe(0);
  const result = parseJson<AlertSetResult>(done.stdout);
  expect(result).toMatchObject({ created: 1, replaced: 0, threshold: 80, ofLimit: true, period: 'month' });
  expect(done.stderr).toMatch(/Alert rule set on numbers: 1 \(1 new, 0 replaced\)/);
  const id = result.ids[0] as string;

  const listed = await vm('alerts', 'list', '--json');
  expect(listed.code).toBe(0);
  expect(parseJson<AlertRule[]>(listed.stdout)).toEqual([
    expect.objectContaining({
      id,
      msisdn: line.msisdn,
      metric: 'spend',
      threshold: 80,
      ofLimit: true,
      action: 'notify',
    }),
  ]);

  const limits = tsv((await vm('limits', 'list')).stdout);
  const column = limits[0]?.indexOf('alerts') as number;
  expect(column).toBeGreaterThan(0);
  expect(limits.find((r) => r[0] === line.msisdn)?.[column]).toBe('50%,80%,100%');

  // A day of billing: the rule fires once; a second day does not fire it again.
  await api('POST', '/v1/test/clock', { advanceSeconds: DAY }, '');
  await api('POST', '/v1/test/clock', { advanceSeconds: DAY }, '');
  const events = (
    await api<{ data: Event[] }>(
      'GET',
      `/v1/events?type=limit.threshold_reached&number=${encodeURIComponent(line.msisdn)}`,
    )
  ).data.filter((e) => e.data.ruleId === id);
  expect(events.map((e) => [e.data.threshold, e.data.periodStart])).toEqual([[80, '2026-10-05']]);

  const removed = await vm('alerts', 'remove', id);
  expect(removed).toMatchObject({ code: 0, stdout: '' });
  expect(removed.stderr).toMatch(/Alert rules removed: 1/);
  expect(parseJson<AlertRule[]>((await vm('alerts', 'list', '--json')).stdout)).toEqual([]);
  const again = await vm('alerts', 'remove', id);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(new RegExp(`No alert rule ${id}`));
});
