import type { OperationCreateBody } from '../../src/api/operations.js';
import type { Balance, LimitView, Report, ReportType } from '../../src/api/billing.js';
import type { Line } from '../../src/api/lines.js';
import type { Operation, OperationItem, Plan } from '../../src/api/operations.js';
import type { VmClient } from '../../src/client/client.js';
import { rejection, startTestBackend, type TestBackend } from './harness.js';

/**
 * The arithmetic of money and reports, through the client against an in-process backend on a manual
 * clock: balances and forecasts add up, spending limits act when billing passes them, and every report
 * agrees with the rest of the API (numbers, limits, operations, the audit log). What the CLI makes of
 * these answers is test/e2e/money-reports.test.ts and test/unit/commands.test.ts.
 */

const CLOCK = new Date('2026-11-20T10:00:00Z');
const DAY = 86_400;

/** Whole days from `a` to `b`. */
const daysBetween = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / (DAY * 1000));

/** An admin client on an API token: a session would end after 20 idle minutes of backend time. */
async function adminOf(b: TestBackend): Promise<VmClient> {
  const session = await b.loginAs('admin@demo.test', 'admin-demo-1');
  return b.client((await session.call('tokens.create', { body: { name: 'money-reports' } })).token);
}

/** Runs an operation to its end and returns it with its items. */
async function change(
  b: TestBackend,
  admin: VmClient,
  type: Operation['type'],
  params: Record<string, unknown>,
  msisdns: string[],
): Promise<{ op: Operation; items: OperationItem[] }> {
  const created = await admin.call('operations.create', {
    body: { type, params, targets: msisdns.map((msisdn) => ({ msisdn })) } as OperationCreateBody,
    idempotencyKey: `${type}-${msisdns.join(',')}-${JSON.stringify(params)}-${Math.random()}`,
  });
  await b.services.worker.idle();
  const op = await admin.call('operations.show', { params: { id: created.id } });
  const items: OperationItem[] = [];
  for await (const i of admin.paginate('operations.items', {}, 1000, { id: op.id })) items.push(i);
  return { op, items };
}

async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

describe('balance and spending limits', () => {
  let b: TestBackend;
  let admin: VmClient;
  let active: Line[];
  const limits = () => all(admin.paginate('limits.list'));

  beforeAll(async () => {
    b = await startTestBackend({ lines: 120, clockStart: CLOCK });
    admin = await adminOf(b);
    active = await all(admin.paginate('numbers.list', { status: 'active' }));
  });
  afterAll(async () => {
    await b.stop();
  });

  it('shows four accounts whose charges add up to their total, and a company total of them all', async () => {
    const balance: Balance = await admin.call('balance.show');
    expect(balance.accounts.map((a) => a.accountId)).toEqual(['4001001', '4001002', '4001003', '4001004']);
    for (const a of balance.accounts) {
      expect(a.periodStart <= '2026-11-20' && '2026-11-20' <= a.periodEnd).toBe(true);
      expect(a.charges.total).toBe(
        a.charges.tariffFees + a.charges.serviceFees + a.charges.usage + a.charges.oneTime,
      );
      expect(a.forecast).toBeGreaterThanOrEqual(a.charges.total);
    }
    expect(balance.accounts.find((a) => a.accountId === '4001001')).toMatchObject({
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
    });
    expect(balance.total.balance).toBe(balance.accounts.reduce((s, a) => s + a.balance, 0));
    expect(balance.total.charges).toBe(balance.accounts.reduce((s, a) => s + a.charges.total, 0));
  });

  it('charges usage as days pass and forecasts from the days billed, whatever reports were run', async () => {
    b.advance(3 * DAY); // 2026-11-23 10:00: three days of usage closed
    await b.services.worker.idle();
    const before = await admin.call('balance.show');
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
    await admin.call('reports.show', {
      params: { type: 'usage' },
      query: { from: '2026-11-01', to: '2026-11-22' },
    });
    const after = await admin.call('balance.show');
    expect(after.accounts.map((a) => a.forecast)).toEqual(before.accounts.map((a) => a.forecast));
  });

  it('sets a limit in kopecks, and skips setting the same limit again', async () => {
    const n = active[0] as Line;
    const first = await change(b, admin, 'limit.set', { monthly: '200000', action: 'block' }, [n.msisdn]);
    expect(first.op).toMatchObject({ state: 'succeeded', succeeded: 1 });
    expect(await limits()).toEqual([
      expect.objectContaining({ msisdn: n.msisdn, monthly: 200000, action: 'block', breached: false }),
    ]);
    const again = await change(b, admin, 'limit.set', { monthly: '200000', action: 'block' }, [n.msisdn]);
    expect(again.op).toMatchObject({ state: 'succeeded', succeeded: 0, skipped: 1 });
    expect(again.items).toEqual([
      expect.objectContaining({ msisdn: n.msisdn, state: 'skipped', code: 'limit_unchanged' }),
    ]);
  });

  it('plans a limit change in a dry run without storing it, and removes a limit', async () => {
    const n = active[0] as Line;
    const plan = (await admin.call('operations.create', {
      body: {
        type: 'limit.set',
        params: { monthly: '10000', action: 'notify' },
        targets: [{ msisdn: n.msisdn }],
      },
      query: { dryRun: true },
    })) as unknown as Plan;
    expect(plan.items).toEqual([
      expect.objectContaining({ outcome: 'apply', after: { limit: { monthly: 10000, action: 'notify' } } }),
    ]);
    expect((await limits()).map((l) => [l.msisdn, l.monthly, l.action])).toEqual([
      [n.msisdn, 200000, 'block'],
    ]);
    const removed = await change(b, admin, 'limit.remove', {}, [n.msisdn]);
    expect(removed.op).toMatchObject({ state: 'succeeded', succeeded: 1 });
    expect(await limits()).toEqual([]);
  });

  it('sets, lists and removes a group limit; removing a missing one is not_found with its reason', async () => {
    const set = await admin.call('limits.groupSet', {
      body: { group: 'Drivers', monthly: 150000, action: 'block' },
    });
    expect(set).toMatchObject({ groupId: 'drivers', monthly: 150000, action: 'block' });
    expect((await admin.call('limits.groups')).data).toEqual([
      expect.objectContaining({ groupId: 'drivers', monthly: 150000, action: 'block' }),
    ]);
    await admin.call('limits.groupRemove', { params: { group: 'drivers' } });
    expect((await admin.call('limits.groups')).data).toEqual([]);
    const again = await rejection(admin.call('limits.groupRemove', { params: { group: 'drivers' } }));
    expect(again).toMatchObject({ code: 'not_found', details: { reason: 'group_limit_not_found' } });
  });

  it('sets per-number limits in one operation, and finds one number with a page of one', async () => {
    const [x, y, z] = active.slice(1, 4) as [Line, Line, Line];
    const created = await admin.call('operations.create', {
      body: {
        type: 'limit.set',
        params: { action: 'notify' },
        targets: [
          { msisdn: x.msisdn, params: { monthly: '150000', action: 'notify' } },
          { msisdn: y.msisdn, params: { monthly: '150000', action: 'block' } },
          { msisdn: z.msisdn, params: { monthly: '200050' } },
        ],
      },
      idempotencyKey: 'per-row-limits',
    });
    await b.services.worker.idle();
    expect(await admin.call('operations.show', { params: { id: created.id } })).toMatchObject({
      succeeded: 3,
    });
    const list = await limits();
    expect(list.map((l) => [l.msisdn, l.monthly, l.action])).toEqual(
      [
        [x.msisdn, 150000, 'notify'],
        [y.msisdn, 150000, 'block'],
        [z.msisdn, 200050, 'notify'],
      ].sort((p, q) => String(p[0]).localeCompare(String(q[0]))),
    );
    const last = list[list.length - 1] as LimitView;
    const page = await admin.call('limits.list', { query: { number: last.msisdn, limit: 1 } });
    expect(page.data.map((l) => l.msisdn)).toEqual([last.msisdn]);
  });
});

describe('limit breaches and reports', () => {
  let b: TestBackend;
  let admin: VmClient;
  let lines: Line[];
  let blocked: Line;
  let notified: Line;
  let blockOp: Operation;
  const report = (type: ReportType, query: Record<string, unknown> = {}): Promise<Report> =>
    admin.call('reports.show', { params: { type }, query });

  beforeAll(async () => {
    b = await startTestBackend({ lines: 120, clockStart: CLOCK });
    admin = await adminOf(b);
    lines = await all(admin.paginate('numbers.list'));
    const active = lines.filter((l) => l.status === 'active');
    blocked = active[0] as Line;
    notified = active[1] as Line;
    await change(b, admin, 'limit.set', { monthly: '100', action: 'block' }, [blocked.msisdn]);
    await change(b, admin, 'limit.set', { monthly: '100', action: 'notify' }, [notified.msisdn]);
    b.advance(2 * DAY);
    await b.services.worker.idle();
    lines = await all(admin.paginate('numbers.list'));
  });
  afterAll(async () => {
    await b.stop();
  });

  it('blocks a number over its block limit by an operation of its own, and only notifies for a notify limit', async () => {
    expect(await admin.call('numbers.show', { params: { msisdn: blocked.msisdn } })).toMatchObject({
      status: 'blocked',
      blockReason: 'limit_exceeded',
    });
    const byLimits = (await all(admin.paginate('operations.list'))).filter((o) => o.createdBy === 'limits');
    expect(byLimits).toEqual([
      expect.objectContaining({
        type: 'number.block',
        state: 'succeeded',
        total: 1,
        params: { reason: 'limit_exceeded' },
      }),
    ]);
    blockOp = byLimits[0] as Operation;
    const items = await all(admin.paginate('operations.items', {}, 1000, { id: blockOp.id }));
    expect(items.map((i) => i.msisdn)).toEqual([blocked.msisdn]);

    expect((await admin.call('numbers.show', { params: { msisdn: notified.msisdn } })).status).toBe('active');
    const sms = (await admin.call('test.outbox', { query: { recipient: notified.msisdn } })).data;
    expect(sms).toEqual([
      expect.objectContaining({ channel: 'sms', text: expect.stringContaining('Spending limit RUB 1.00') }),
    ]);
  });

  it('reports each breach once with what was spent, and the operation that blocked', async () => {
    const breaches = await report('limits');
    expect(breaches.rows.map((r) => [r.msisdn, r.monthly, r.action, r.operationId]).sort()).toEqual(
      [
        [blocked.msisdn, 100, 'block', blockOp.id],
        [notified.msisdn, 100, 'notify', null],
      ].sort(),
    );
    for (const r of breaches.rows) expect(r.spent as number).toBeGreaterThan(100);
  });

  it('has an inventory row for every number and a blocked row for every blocked number', async () => {
    const inventory = await report('inventory');
    expect(inventory.rows).toHaveLength(lines.length);
    expect(new Set(inventory.rows.map((r) => r.msisdn))).toEqual(new Set(lines.map((l) => l.msisdn)));

    const blockedReport = await report('blocked');
    const blockedNow = lines.filter((l) => l.status === 'blocked');
    expect(blockedReport.rows.map((r) => r.msisdn).sort()).toEqual(blockedNow.map((l) => l.msisdn).sort());
    expect(blockedReport.rows.find((r) => r.msisdn === blocked.msisdn)).toMatchObject({
      reason: 'limit_exceeded',
    });
  });

  it('totals expenses by account and by group alike', async () => {
    const byAccount = await report('expenses', { by: 'account' });
    expect(byAccount.rows.map((r) => r.key).sort()).toEqual(['4001001', '4001002', '4001003', '4001004']);
    const sum = byAccount.rows.reduce((s, r) => s + (r.total as number), 0);
    expect(sum).toBeGreaterThan(0);
    expect(byAccount.totals?.total).toBe(sum);

    const byGroup = await report('expenses', { by: 'group' });
    expect(byGroup.rows.length).toBeGreaterThan(1);
    expect(byGroup.rows.map((r) => r.key)).toContain(blocked.groupId);
    expect(byGroup.rows.reduce((s, r) => s + (r.total as number), 0)).toBe(sum);
    expect(byGroup.totals?.total).toBe(sum);
  });

  it('counts usage of a month per line in whole minutes, and one line alike with a number filter', async () => {
    const usage = await report('usage', { from: '2026-10-01', to: '2026-10-31' });
    expect(usage.rows).toHaveLength(lines.length);
    for (const row of usage.rows) expect(Number.isInteger(row.minutes)).toBe(true);
    expect(usage.rows.reduce((s, row) => s + (row.minutes as number), 0)).toBeGreaterThan(0);
    const one = await report('usage', { from: '2026-10-01', to: '2026-10-31', number: notified.msisdn });
    expect(one.rows).toEqual([usage.rows.find((row) => row.msisdn === notified.msisdn)]);
  });

  it('reports on the numbers it is given', async () => {
    const chosen = lines.slice(2, 5).map((l) => l.msisdn);
    const r = await admin.call('reports.run', {
      params: { type: 'usage' },
      body: { from: '2026-10-01', to: '2026-10-31', numbers: chosen },
    });
    expect(r.rows.map((row) => row.msisdn).sort()).toEqual([...chosen].sort());
  });

  it('shows the audit trail to an admin and refuses it to a viewer', async () => {
    const activity = await report('activity');
    const limitSets = activity.rows.filter((r) => r.action === 'limit.set').map((r) => r.target);
    expect(limitSets.sort()).toEqual([blocked.msisdn, notified.msisdn].sort());
    expect(activity.rows).toContainEqual(
      expect.objectContaining({ actor: 'billing', action: 'limit.breach', target: blocked.msisdn }),
    );
    const viewer = await b.loginAs('viewer@demo.test', 'viewer-demo-1');
    const refused = await rejection(viewer.call('reports.show', { params: { type: 'activity' } }));
    expect(refused.code).toBe('forbidden');
    expect((refused as Error).message).toMatch(/audit:read/);
  });

  it('suggests only cheaper other tariffs, over the last three full months, with savings that add up', async () => {
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
});
