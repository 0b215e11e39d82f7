import type { AlertRule } from '../../src/api/alerts.js';
import type { Event } from '../../src/api/events.js';
import type { Line } from '../../src/api/lines.js';
import type { VmClient } from '../../src/client/client.js';
import { invite } from '../support/invite.js';
import { rejection, startTestBackend, START, type TestBackend } from './harness.js';

/**
 * Usage alerts over the billing clock: thresholds below a spending limit (a percentage of it) and on
 * data, minutes and SMS (a value), per month or day, on numbers or inherited from groups. Each crossing
 * is recorded once per rule, period and threshold — also across a backend restart and a replayed
 * billing day — and again in the next period. A limit alone has its default 50/80/100% events.
 */
const DAY = 86_400;

let b: TestBackend;
let admin: VmClient;
let adminToken: string;
let lines: Line[];

beforeAll(async () => {
  b = await startTestBackend({ lines: 120 });
  const session = await b.loginAs('admin@demo.test', 'admin-demo-1');
  // A token: a session ends after 20 idle minutes of the backend's clock, and the clock moves days here.
  adminToken = (await session.call('tokens.create', { body: { name: 'alerts-test' } })).token;
  admin = b.client(adminToken);
  lines = [];
  for await (const n of admin.paginate('numbers.list', { status: 'active' })) lines.push(n);
});
afterAll(async () => {
  await b.stop();
});

const taken = new Set<string>();
/** Active lines of an account no other test of this file uses. */
function fresh(n: number, pred: (l: Line) => boolean = () => true): Line[] {
  const out = lines.filter((l) => !taken.has(l.msisdn) && pred(l)).slice(0, n);
  for (const l of out) taken.add(l.msisdn);
  expect(out).toHaveLength(n);
  return out;
}

async function setLimit(msisdn: string, monthly: number): Promise<void> {
  await admin.call('operations.create', {
    body: {
      type: 'limit.set',
      params: { monthly: String(monthly), action: 'notify' },
      targets: [{ msisdn }],
    },
    idempotencyKey: `limit-${msisdn}-${monthly}`,
  });
  await b.services.worker.idle();
}

async function spentNow(msisdn: string): Promise<number> {
  const page = await admin.call('limits.list', { query: { number: msisdn } });
  return page.data[0]?.spent as number;
}

async function days(n: number): Promise<void> {
  b.advance(n * DAY);
  await b.services.worker.idle();
}

async function reached(query: Record<string, string> = {}): Promise<Event[]> {
  const out: Event[] = [];
  for await (const e of admin.paginate('events.list', { type: 'limit.threshold_reached', ...query }, 500))
    out.push(e);
  return out;
}

const usageOn = (msisdn: string, day: string, column: string): number =>
  (
    b.db().prepare(`SELECT ${column} AS v FROM usage_days WHERE msisdn = ? AND day = ?`).get(msisdn, day) as
      { v: number } | undefined
  )?.v ?? 0;

describe('an 80%-of-limit rule', () => {
  let line: Line;
  let rule: string;
  let limit: number;

  beforeAll(async () => {
    // Account 4001002 is billed on the 5th: its period rolls over three days after the clock's start.
    [line] = fresh(1, (l) => l.accountId === '4001002') as [Line];
    await setLimit(line.msisdn, 1_000_000_000);
    const spent = await spentNow(line.msisdn);
    expect(spent).toBeGreaterThan(0); // this period's fees, recorded at the first start
    // 85% of the limit spent already: the first check passes 80% (and 50%), not 100%.
    limit = Math.floor(spent / 0.85);
    await setLimit(line.msisdn, limit);
    const set = await admin.call('alerts.set', {
      body: {
        numbers: [line.msisdn],
        metric: 'spend',
        threshold: 80,
        ofLimit: true,
        notify: ['email', 'sms'],
      },
      idempotencyKey: 'alert-80',
    });
    expect(set).toMatchObject({ created: 1, replaced: 0, targets: 1, ofLimit: true, period: 'month' });
    rule = set.ids[0] as string;
  });

  it('fires once when billing passes 80%, with what it reached, the limit and the period', async () => {
    await days(1); // 2026-11-03 10:00: the usage of 11-02 is closed
    const events = (await reached({ number: line.msisdn })).filter((e) => e.data.ruleId === rule);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subject: line.msisdn,
      groupId: line.groupId,
      time: '2026-11-02T23:59:59.000Z',
      data: {
        metric: 'spend',
        threshold: 80,
        ofLimit: true,
        limit,
        amount: Math.ceil(limit * 0.8),
        periodStart: '2026-10-05',
        period: 'month',
        action: 'notify',
        operationId: null,
      },
    });
    expect(events[0]?.data.value as number).toBeGreaterThanOrEqual(Math.ceil(limit * 0.8));
    const outbox = b.services.store.audit
      .outbox(undefined)
      .filter((n) => n.text.includes(`Usage alert for ${line.msisdn}`));
    expect(outbox.map((n) => n.channel).sort()).toEqual(['email', 'sms']);
    expect(outbox.find((n) => n.channel === 'email')?.recipient).toBe('admin@demo.test');
    expect(outbox[0]?.text).toContain('80% of its limit');
  });

  it('does not fire again in the same period, and fires again once the period rolls over', async () => {
    await days(1); // 11-04: still the period of 10-05
    expect((await reached({ number: line.msisdn })).filter((e) => e.data.ruleId === rule)).toHaveLength(1);
    await days(2); // 11-06: the fees of the period of 11-05 alone pass 80% again
    const events = (await reached({ number: line.msisdn })).filter((e) => e.data.ruleId === rule);
    expect(events.map((e) => e.data.periodStart)).toEqual(['2026-10-05', '2026-11-05']);
    expect(events[1]?.time).toBe('2026-11-05T00:00:00.000Z'); // at the fees, as billing charged them
    const stored = b
      .db()
      .prepare('SELECT period_start AS p FROM alert_crossings WHERE msisdn = ? AND rule = ? ORDER BY p')
      .all(line.msisdn, rule);
    expect(stored).toEqual([{ p: '2026-10-05' }, { p: '2026-11-05' }]);
  });

  it('replaces the default 80% of the limit, and shows the thresholds with the limit', async () => {
    const defaults = (await reached({ number: line.msisdn })).filter((e) => e.data.ruleId === null);
    // 50% (default) and the rule's 80% — never a second 80% from the defaults.
    expect(defaults.map((e) => [e.data.periodStart, e.data.threshold])).not.toContainEqual([
      '2026-10-05',
      80,
    ]);
    expect(defaults.map((e) => [e.data.periodStart, e.data.threshold])).toContainEqual(['2026-10-05', 50]);
    const view = (await admin.call('limits.list', { query: { number: line.msisdn } })).data[0];
    expect(view?.alerts).toEqual([
      { id: null, threshold: 50, ofLimit: true, period: 'month', action: 'notify' },
      { id: rule, threshold: 80, ofLimit: true, period: 'month', action: 'notify' },
      { id: null, threshold: 100, ofLimit: true, period: 'month', action: 'notify' },
    ]);
  });
});

describe('rules on usage, blocks, groups', () => {
  let dataLines: Line[];
  let blockLine: Line;
  let warehouse: Line[];
  let outside: Line[];
  let groupRule: string;

  beforeAll(async () => {
    dataLines = fresh(15);
    [blockLine] = fresh(1) as [Line];
    warehouse = [...fresh(5, (l) => l.groupId === 'warehouse'), ...fresh(5, (l) => l.groupId === 'drivers')];
    outside = fresh(5, (l) => l.groupId !== 'warehouse' && l.groupId !== 'drivers');
    await admin.call('alerts.set', {
      body: {
        numbers: dataLines.map((l) => l.msisdn),
        metric: 'data',
        threshold: 1,
        period: 'day',
        notify: ['webhook'],
      },
    });
    await admin.call('alerts.set', {
      body: { numbers: [blockLine.msisdn], metric: 'spend', threshold: 1, action: 'block' },
    });
    const set = await admin.call('alerts.set', {
      body: { group: 'Warehouse', metric: 'sms', threshold: 1, period: 'day' },
    });
    groupRule = set.ids[0] as string;
    expect(set).toMatchObject({ targets: 1, created: 1 });
    await days(1);
  });

  it('fires a --value data rule per day for the numbers whose data reached it that day', async () => {
    const day = '2026-11-06'; // the clock is at 11-07 10:00
    const expected = dataLines.filter((l) => usageOn(l.msisdn, day, 'data_mb + roaming_mb') >= 1);
    expect(expected.length).toBeGreaterThan(0);
    const events = (await reached({ since: `${day}T00:00:00.000Z` })).filter((e) => e.data.metric === 'data');
    expect(events.map((e) => e.subject).sort()).toEqual(expected.map((l) => l.msisdn).sort());
    for (const e of events) {
      expect(e.data).toMatchObject({
        period: 'day',
        periodStart: day,
        threshold: 1,
        ofLimit: false,
        limit: null,
      });
      expect(e.data.value).toBe(usageOn(e.subject, day, 'data_mb + roaming_mb'));
    }
    // --notify webhook: the event alone, nothing in the outbox.
    const outbox = b.services.store.audit.outbox(undefined).filter((n) => n.text.includes('data on'));
    expect(outbox).toEqual([]);
  });

  it('blocks the number of a block rule through an operation of the setter, reason alert_threshold', async () => {
    const shown = await admin.call('numbers.show', { params: { msisdn: blockLine.msisdn } });
    expect(shown).toMatchObject({ status: 'blocked', blockReason: 'alert_threshold' });
    const [event] = await reached({ number: blockLine.msisdn });
    expect(event?.data).toMatchObject({ action: 'block', metric: 'spend' });
    const op = await admin.call('operations.show', { params: { id: event?.data.operationId as string } });
    expect(op).toMatchObject({
      type: 'number.block',
      params: { reason: 'alert_threshold' },
      state: 'succeeded',
    });
  });

  it('gives a group rule to every number of its subtree and to no other', async () => {
    const day = '2026-11-06';
    const events = (await reached({ since: `${day}T00:00:00.000Z` })).filter(
      (e) => e.data.ruleId === groupRule,
    );
    const subjects = new Set(events.map((e) => e.subject));
    for (const l of warehouse) expect(subjects.has(l.msisdn)).toBe(usageOn(l.msisdn, day, 'sms') >= 1);
    for (const l of outside) expect(subjects.has(l.msisdn)).toBe(false);
    for (const e of events) expect(['warehouse', 'drivers']).toContain(e.groupId);
  });

  it("lists a number's rules in effect: its own, and the group's it inherits unless its own has that key", async () => {
    const driver = warehouse.find((l) => l.groupId === 'drivers') as Line;
    const inherited = await admin.call('alerts.list', { query: { number: driver.msisdn } });
    expect(inherited.data).toEqual([
      expect.objectContaining({ id: groupRule, groupId: 'warehouse', msisdn: null }),
    ]);
    const own = await admin.call('alerts.set', {
      body: {
        numbers: [driver.msisdn],
        metric: 'sms',
        threshold: 1,
        period: 'day',
        action: 'notify',
        notify: ['sms'],
      },
    });
    const listed = await admin.call('alerts.list', { query: { number: driver.msisdn } });
    expect(listed.data.map((r: AlertRule) => r.id)).toEqual([own.ids[0]]);
    const byGroup = await admin.call('alerts.list', { query: { group: 'drivers', metric: 'sms' } });
    expect(byGroup.data.map((r: AlertRule) => r.id)).toEqual([own.ids[0]]);
    const all = await admin.call('alerts.list', { query: { group: 'warehouse', metric: 'sms' } });
    expect(all.data.map((r: AlertRule) => r.id)).toEqual([groupRule, own.ids[0]]);
  });
});

describe('setting and removing', () => {
  it('replaces the rule of the same key, keeping its id, and removes by id or by key', async () => {
    const [a, c] = fresh(2);
    const first = await admin.call('alerts.set', {
      body: { numbers: [a!.msisdn], metric: 'minutes', threshold: 300 },
    });
    const again = await admin.call('alerts.set', {
      body: { numbers: [a!.msisdn, c!.msisdn], metric: 'minutes', threshold: 300, action: 'block' },
    });
    expect(again).toMatchObject({ created: 1, replaced: 1, targets: 2 });
    expect(again.ids[0]).toBe(first.ids[0]);
    const rules = await admin.call('alerts.list', { query: { number: a!.msisdn } });
    expect(rules.data).toEqual([
      expect.objectContaining({ id: first.ids[0], action: 'block', threshold: 300 }),
    ]);

    const byId = await admin.call('alerts.remove', { body: { ids: [first.ids[0] as string] } });
    expect(byId).toEqual({ removed: 1, ids: [first.ids[0]] });
    const unknown = await rejection(admin.call('alerts.remove', { body: { ids: [first.ids[0] as string] } }));
    expect(unknown).toMatchObject({ code: 'not_found', details: { reason: 'alert_rules_not_found' } });
    const byKey = await admin.call('alerts.remove', {
      body: { numbers: [a!.msisdn, c!.msisdn], metric: 'minutes', threshold: 300 },
    });
    expect(byKey).toEqual({ removed: 1, ids: [again.ids[1]] });
  });

  it('refuses what a rule cannot be: 100% of a limit, a percentage without a limit or per day', async () => {
    const [a] = fresh(1);
    const full = await rejection(
      admin.call('alerts.set', {
        body: { numbers: [a!.msisdn], metric: 'spend', threshold: 100, ofLimit: true },
      }),
    );
    expect(full).toMatchObject({ status: 422, details: { reason: 'alert_threshold_is_limit' } });
    const noLimit = await rejection(
      admin.call('alerts.set', {
        body: { numbers: [a!.msisdn], metric: 'spend', threshold: 80, ofLimit: true },
      }),
    );
    expect(noLimit).toMatchObject({
      status: 422,
      details: { reason: 'alert_limit_missing', numbers: [a!.msisdn] },
    });
    const daily = await rejection(
      admin.call('alerts.set', {
        body: { numbers: [a!.msisdn], metric: 'data', threshold: 80, ofLimit: true, period: 'day' },
      }),
    );
    expect(daily).toMatchObject({ status: 400, details: { reason: 'alert_percent_needs_month' } });
    const noGroupLimit = await rejection(
      admin.call('alerts.set', { body: { group: 'it', metric: 'spend', threshold: 50, ofLimit: true } }),
    );
    expect(noGroupLimit).toMatchObject({ status: 422, details: { reason: 'alert_group_limit_missing' } });
    // A percentage of the allowance needs no limit.
    const allowance = await admin.call('alerts.set', {
      body: { numbers: [a!.msisdn], metric: 'data', threshold: 90, ofLimit: true },
    });
    expect(allowance.created).toBe(1);
  });

  it('stores nothing in a dry run, and answers a resend with the same Idempotency-Key as the first', async () => {
    const [a] = fresh(1);
    const body = { numbers: [a!.msisdn], metric: 'sms' as const, threshold: 40 };
    const dry = await admin.call('alerts.set', { body, query: { dryRun: true } });
    expect(dry).toMatchObject({ dryRun: true, created: 1, replaced: 0, ids: [] });
    expect((await admin.call('alerts.list', { query: { number: a!.msisdn } })).data).toEqual([]);
    const first = await admin.call('alerts.set', { body, idempotencyKey: 'alerts-key-1' });
    const resend = await admin.call('alerts.set', { body, idempotencyKey: 'alerts-key-1' });
    expect(resend).toEqual(first);
    const other = await rejection(
      admin.call('alerts.set', { body: { ...body, threshold: 41 }, idempotencyKey: 'alerts-key-1' }),
    );
    expect(other).toMatchObject({ status: 409, code: 'idempotency_conflict' });
  });
});

describe('rights', () => {
  it('lets a money manager of Sales set alerts on Sales numbers only: HQ numbers look unknown', async () => {
    const session = await b.loginAs('admin@demo.test', 'admin-demo-1');
    await session.call('roles.create', {
      body: { name: 'Sales money', permissions: ['numbers:read', 'money:read', 'money:write'] },
    });
    const manager = await invite(b, session, 'sales-money@demo.test', {
      role: 'Sales money',
      group: 'sales',
    });
    const salesLine = lines.find((l) => l.groupId.startsWith('sales') && !taken.has(l.msisdn)) as Line;
    const hqLine = lines.find((l) => l.groupId === 'hq' && !taken.has(l.msisdn)) as Line;
    const refused = await rejection(
      manager.call('alerts.set', {
        body: { numbers: [salesLine.msisdn, hqLine.msisdn], metric: 'data', threshold: 500 },
      }),
    );
    expect(refused).toMatchObject({
      status: 404,
      details: { reason: 'numbers_not_found', numbers: [hqLine.msisdn] },
    });
    // The whole list was refused: not even the Sales number has the rule.
    expect((await admin.call('alerts.list', { query: { number: salesLine.msisdn } })).data).toEqual([]);
    const group = await rejection(
      manager.call('alerts.set', { body: { group: 'hq', metric: 'data', threshold: 500 } }),
    );
    expect(group).toMatchObject({ status: 404, details: { reason: 'group_not_found' } });
    const ok = await manager.call('alerts.set', {
      body: { numbers: [salesLine.msisdn], metric: 'data', threshold: 500 },
    });
    expect(ok.created).toBe(1);
    const hqRule = await admin.call('alerts.set', {
      body: { numbers: [hqLine.msisdn], metric: 'data', threshold: 500 },
    });
    const removeHq = await rejection(manager.call('alerts.remove', { body: { ids: hqRule.ids } }));
    expect(removeHq).toMatchObject({ status: 404, details: { reason: 'alert_rules_not_found' } });
    const seen = await manager.call('alerts.list', {});
    expect(seen.data.map((r: AlertRule) => r.id)).toContain(ok.ids[0]);
    expect(seen.data.map((r: AlertRule) => r.id)).not.toContain(hqRule.ids[0]);
    // The built-in Sales manager has no money:write at all.
    const builtIn = await b.loginAs('manager@demo.test', 'manager-demo-1');
    const denied = await rejection(
      builtIn.call('alerts.set', { body: { numbers: [salesLine.msisdn], metric: 'data', threshold: 5 } }),
    );
    expect(denied).toMatchObject({ status: 403 });
  });
});

describe('a limit alone', () => {
  it('records its default 50 and 80% as events only, once each', async () => {
    const [line] = fresh(1, (l) => l.accountId === '4001003') as [Line];
    await setLimit(line.msisdn, 1_000_000_000);
    const limit = Math.floor((await spentNow(line.msisdn)) / 0.9);
    await setLimit(line.msisdn, limit);
    const since = b.services.clock.now().toISOString();
    await days(1);
    await days(1);
    const events = await reached({ number: line.msisdn, since });
    const first = events.filter((e) => e.data.periodStart === '2026-10-10');
    expect(first.slice(0, 2).map((e) => [e.data.threshold, e.data.ruleId, e.data.limit])).toEqual([
      [50, null, limit],
      [80, null, limit],
    ]);
    expect(new Set(first.map((e) => e.data.threshold)).size).toBe(first.length); // each once
    expect(
      b.services.store.audit
        .outbox(undefined)
        .filter((n) => n.text.includes(`Usage alert for ${line.msisdn}`)),
    ).toEqual([]);
  });
});

describe('a restart', () => {
  it('keeps the crossings: neither the next days nor a replayed billing day fire a rule twice', async () => {
    // Account 4001001 is billed on the 1st: its period holds every day this test moves through.
    const [line] = fresh(1, (l) => l.accountId === '4001001');
    const set = await admin.call('alerts.set', {
      body: { numbers: [line!.msisdn], metric: 'spend', threshold: 1 },
    });
    const rule = set.ids[0] as string;
    await days(1);
    const mine = async () => (await reached({ number: line!.msisdn })).filter((e) => e.data.ruleId === rule);
    expect(await mine()).toHaveLength(1);
    const now = b.services.clock.now();
    const dataDir = b.dataDir;
    await b.stop({ keepData: true });
    b = await startTestBackend({ dataDir, clockStart: now });
    admin = b.client(adminToken);
    // Billing goes back two days: a crash before its cursor was stored replays the chunks.
    const day = now.toISOString().slice(0, 10);
    const back = new Date(Date.parse(`${day}T00:00:00Z`) - 2 * DAY * 1000).toISOString().slice(0, 10);
    b.db()
      .prepare("UPDATE meta SET value = ? WHERE key = 'billing.next'")
      .run(JSON.stringify({ day: back, phase: 'usage', after: '' }));
    b.services.worker.kick();
    await b.services.worker.idle();
    await days(2);
    expect(await mine()).toHaveLength(1);
    expect(now.getTime()).toBeGreaterThan(START.getTime() + 7 * DAY * 1000);
  });
});
