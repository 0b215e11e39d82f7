import type { Line } from '../../src/api/lines.js';
import type { VmClient } from '../../src/client/client.js';
import { startTestBackend, type TestBackend } from './harness.js';

/**
 * Billing with the manual clock over two billing periods: monthly fees at each account's billing day,
 * usage from the call details every day, each exactly once (also when a step is replayed), autopay once
 * per crossing, and spending limits that notify or block through an operation.
 */
let b: TestBackend;
let admin: VmClient;
let lines: Line[];
const seedBalance = new Map<string, number>();

beforeAll(async () => {
  b = await startTestBackend({ lines: 60 });
  const session = await b.loginAs('admin@demo.test', 'admin-demo-1');
  admin = b.client((await session.call('tokens.create', { body: { name: 'billing-test' } })).token);
  lines = [];
  for await (const n of admin.paginate('numbers.list')) lines.push(n);
  for (const a of (await admin.call('balance.show')).accounts) seedBalance.set(a.accountId, a.balance);
});
afterAll(async () => {
  await b.stop();
});

const db = () => b.db();
const activeIn = (account: string) => lines.filter((l) => l.accountId === account && l.status === 'active');

async function setLimit(msisdn: string, monthly: number, action: 'notify' | 'block'): Promise<void> {
  const op = await admin.call('operations.create', {
    body: { type: 'limit.set', params: { monthly: String(monthly), action }, targets: [{ msisdn }] },
    idempotencyKey: `limit-${msisdn}`,
  });
  await b.services.worker.idle();
  const done = await admin.call('operations.show', { params: { id: op.id } });
  expect(done.state).toBe('succeeded');
}

it('records the fees of the period billing starts in without taking them again', async () => {
  const balance = await admin.call('balance.show');
  const mow = balance.accounts.find((a) => a.accountId === '4001001');
  expect(mow).toMatchObject({ periodStart: '2026-11-01', periodEnd: '2026-11-30', billingDay: 1 });
  expect(mow?.charges.tariffFees).toBeGreaterThan(0);
  expect(mow?.charges.usage).toBe(0);
  // Taken before the company came to this backend: the seeded balance stands.
  expect(mow?.balance).toBe(seedBalance.get('4001001'));
  expect(balance.total.balance).toBe([...seedBalance.values()].reduce((s, v) => s + v, 0));
});

it('records the opening fees once per active line and paid service, with the period of its account', () => {
  const expected: string[] = [];
  const rows = db()
    .prepare(
      `SELECT n.msisdn, n.account_id AS accountId, a.billing_day AS billingDay, t.monthly_fee AS fee, n.status
         FROM numbers n JOIN accounts a ON a.id = n.account_id JOIN tariffs t ON t.code = n.tariff ORDER BY n.msisdn`,
    )
    .all() as { msisdn: string; accountId: string; billingDay: number; fee: number; status: string }[];
  const paid = db()
    .prepare(
      `SELECT ns.msisdn, ns.service, s.monthly_fee AS fee FROM number_services ns JOIN services s ON s.code = ns.service
        WHERE s.monthly_fee > 0 ORDER BY ns.service`,
    )
    .all() as { msisdn: string; service: string; fee: number }[];
  expect(rows.some((r) => r.status !== 'active')).toBe(true);
  for (const r of rows) {
    if (r.status !== 'active') continue;
    // The clock starts on 2026-11-02: billed on the 1st, the period began that day; on the 15th, in October.
    const start =
      r.billingDay <= 2 ? `2026-11-0${r.billingDay}` : `2026-10-${String(r.billingDay).padStart(2, '0')}`;
    const at = `${start}T00:00:00.000Z`;
    expected.push(`${at} ${r.accountId} ${r.msisdn} tariff_fee ${start} ${r.fee} ${start} 0`);
    for (const s of paid.filter((p) => p.msisdn === r.msisdn))
      expected.push(`${at} ${r.accountId} ${r.msisdn} service_fee ${start}:${s.service} ${s.fee} ${start} 0`);
  }
  const stored = db()
    .prepare(
      `SELECT time || ' ' || account_id || ' ' || msisdn || ' ' || kind || ' ' || ref || ' ' || amount || ' ' ||
              period_start || ' ' || applied AS c FROM charges WHERE kind IN ('tariff_fee', 'service_fee')`,
    )
    .all() as { c: string }[];
  expect(stored.map((r) => r.c).sort()).toEqual(expected.sort());
});

describe('two billing periods later', () => {
  let blocked: Line;
  let notified: Line;
  let driverOwn: Line;
  const spe = '4001002';
  const drivers = () => lines.filter((l) => l.groupId === 'drivers' && l.status === 'active');

  beforeAll(async () => {
    const mow = activeIn('4001001');
    blocked = mow[0] as Line;
    notified = mow[1] as Line;
    await setLimit(blocked.msisdn, 100, 'block');
    await setLimit(notified.msisdn, 100, 'notify');
    // A group limit reaches every number of the group without its own limit; an own limit wins.
    await admin.call('limits.groupSet', { body: { group: 'Drivers', monthly: 100, action: 'block' } });
    driverOwn = drivers().find((l) => l.msisdn !== blocked.msisdn && l.msisdn !== notified.msisdn) as Line;
    await setLimit(driverOwn.msisdn, 100_000_000, 'notify');
    // Autopay one kopeck under the current balance: the first charge crosses it, the top-up lifts it far above.
    await admin.call('autopay.set', {
      body: { account: spe, below: (seedBalance.get(spe) as number) - 1, amount: 10_000_000 },
    });
    b.advance(61 * 86_400); // 2026-11-02 10:00 → 2027-01-02 10:00
    await b.services.worker.idle();
  });

  it('charges each monthly fee once per period, at the billing day', () => {
    const line = activeIn('4001001')[2] as Line;
    const fees = db()
      .prepare(
        'SELECT ref, applied, count(*) AS n FROM charges WHERE msisdn = ? AND kind = ? GROUP BY ref, applied ORDER BY ref',
      )
      .all(line.msisdn, 'tariff_fee');
    expect(fees).toEqual([
      { ref: '2026-11-01', applied: 0, n: 1 },
      { ref: '2026-12-01', applied: 1, n: 1 },
      { ref: '2027-01-01', applied: 1, n: 1 },
    ]);
    const ekb = activeIn('4001004')[0] as Line; // billed on the 15th
    const ekbFees = db()
      .prepare("SELECT ref FROM charges WHERE msisdn = ? AND kind = 'tariff_fee' ORDER BY ref")
      .all(ekb.msisdn);
    expect(ekbFees).toEqual([{ ref: '2026-10-15' }, { ref: '2026-11-15' }, { ref: '2026-12-15' }]);
  });

  it('closes every day of usage once and charges what its records cost', () => {
    const line = activeIn('4001003')[0] as Line;
    const days = db()
      .prepare("SELECT day, cost FROM usage_days WHERE msisdn = ? AND day >= '2026-11-02' ORDER BY day")
      .all(line.msisdn) as { day: string; cost: number }[];
    expect(days.length).toBe(61); // 2026-11-02 … 2027-01-01
    expect(days[0]?.day).toBe('2026-11-02');
    expect(days[days.length - 1]?.day).toBe('2027-01-01');
    const charged = db()
      .prepare("SELECT ref, amount FROM charges WHERE msisdn = ? AND kind = 'usage' ORDER BY ref")
      .all(line.msisdn);
    expect(charged).toEqual(days.filter((d) => d.cost > 0).map((d) => ({ ref: d.day, amount: d.cost })));
    // The days before billing started are history, backfilled after the start and never charged.
    const history = db()
      .prepare("SELECT count(*) AS n FROM usage_days WHERE msisdn = ? AND day < '2026-11-02'")
      .get(line.msisdn) as { n: number };
    expect(history.n).toBeGreaterThanOrEqual(92); // 2026-08-01 … 2026-11-01, from the activation on
  });

  it('leaves every balance at seed − charges taken + payments', () => {
    for (const [account, seed] of seedBalance) {
      const taken = db()
        .prepare('SELECT coalesce(sum(amount), 0) AS s FROM charges WHERE account_id = ? AND applied = 1')
        .get(account) as { s: number };
      const paid = db()
        .prepare(
          `SELECT coalesce(sum(CASE WHEN account_id = @a THEN amount ELSE -amount END), 0) AS s FROM payments
            WHERE account_id = @a OR from_account_id = @a`,
        )
        .get({ a: account }) as { s: number };
      const now = db().prepare('SELECT balance FROM accounts WHERE id = ?').get(account) as {
        balance: number;
      };
      expect(now.balance).toBe(seed - taken.s + paid.s);
    }
  });

  it('does not charge again when a billing step is replayed', async () => {
    const before = db().prepare('SELECT count(*) AS n, sum(amount) AS s FROM charges').get();
    const balances = db().prepare('SELECT id, balance FROM accounts ORDER BY id').all();
    // Rewind the cursor a week, as after a crash between a chunk's commit and the next.
    db()
      .prepare("UPDATE meta SET value = ? WHERE key = 'billing.next'")
      .run(JSON.stringify({ day: '2026-12-26', phase: 'fees', after: '' }));
    await b.services.worker.idle();
    expect(db().prepare('SELECT count(*) AS n, sum(amount) AS s FROM charges').get()).toEqual(before);
    expect(db().prepare('SELECT id, balance FROM accounts ORDER BY id').all()).toEqual(balances);
  });

  it('fires autopay once when the balance crosses the threshold', async () => {
    const payments = await admin.call('payments.list', { query: { account: spe } });
    const autopays = payments.data.filter((p) => p.kind === 'autopay');
    expect(autopays).toHaveLength(1);
    expect(autopays[0]?.amount).toBe(10_000_000);
  });

  it('blocks a number over a block limit through an operation, once', async () => {
    const line = await admin.call('numbers.show', { params: { msisdn: blocked.msisdn } });
    expect(line).toMatchObject({ status: 'blocked', blockReason: 'limit_exceeded' });
    const ops = await admin.call('operations.list', { query: { limit: 100 } });
    const limitOps = ops.data.filter((o) => o.createdBy === 'limits');
    expect(limitOps.length).toBeGreaterThanOrEqual(1);
    const items = await admin.call('operations.items', {
      params: { id: limitOps[limitOps.length - 1]?.id as string },
    });
    expect(items.data.map((i) => i.msisdn)).toContain(blocked.msisdn);
    const breaches = db()
      .prepare('SELECT period_start AS p FROM limit_breaches WHERE msisdn = ?')
      .all(blocked.msisdn);
    expect(breaches).toEqual([{ p: '2026-11-01' }]); // blocked, so nothing is charged after
    // Blocked lines make no calls.
    const after = db()
      .prepare('SELECT count(*) AS n FROM usage_days WHERE msisdn = ? AND day > ?')
      .get(blocked.msisdn, '2026-11-02') as { n: number };
    expect(after.n).toBe(0);
  });

  it('applies a group limit to the numbers of the group without their own', async () => {
    expect(drivers().length).toBeGreaterThan(1);
    const group = (await admin.call('limits.groups')).data;
    expect(group).toEqual([expect.objectContaining({ groupId: 'drivers', monthly: 100, action: 'block' })]);
    for (const line of drivers()) {
      if (line.msisdn === blocked.msisdn || line.msisdn === notified.msisdn) continue;
      const now = await admin.call('numbers.show', { params: { msisdn: line.msisdn } });
      if (line.msisdn === driverOwn.msisdn) expect(now.status).toBe('active');
      else
        expect([line.msisdn, now.status, now.blockReason]).toEqual([
          line.msisdn,
          'blocked',
          'limit_exceeded',
        ]);
    }
    await admin.call('limits.groupRemove', { params: { group: 'drivers' } });
    expect((await admin.call('limits.groups')).data).toEqual([]);
  });

  it('only notifies for a notify limit, once per period', async () => {
    const line = await admin.call('numbers.show', { params: { msisdn: notified.msisdn } });
    expect(line.status).toBe('active');
    const breaches = db()
      .prepare('SELECT period_start AS p FROM limit_breaches WHERE msisdn = ? ORDER BY p')
      .all(notified.msisdn);
    expect(breaches).toEqual([{ p: '2026-11-01' }, { p: '2026-12-01' }, { p: '2027-01-01' }]);
    const outbox = (await b.client().call('test.outbox', { query: { recipient: notified.msisdn } })).data;
    expect(outbox.filter((n: { text: string }) => n.text.includes('Spending limit'))).toHaveLength(3);
  });

  it('shows the current period with charges so far and a forecast', async () => {
    const balance = await admin.call('balance.show', { query: { account: '4001001' } });
    expect(balance.closedThrough).toBe('2027-01-01');
    const mow = balance.accounts[0];
    expect(mow).toMatchObject({ periodStart: '2027-01-01', periodEnd: '2027-01-31' });
    expect(mow?.charges.total).toBe(
      (mow?.charges.tariffFees ?? 0) +
        (mow?.charges.serviceFees ?? 0) +
        (mow?.charges.usage ?? 0) +
        (mow?.charges.oneTime ?? 0),
    );
    expect(mow?.forecast).toBeGreaterThanOrEqual(mow?.charges.total ?? 0);
    const limits = await admin.call('limits.list');
    expect(limits.data.map((l) => l.msisdn).sort()).toEqual(
      [blocked.msisdn, notified.msisdn, driverOwn.msisdn].sort(),
    );
  });
});

it('stores the same records a day was summarized and charged from, for history and billed days', async () => {
  const line = lines.find((l) => l.status === 'active' && l.accountId === '4001003') as Line;
  for (const [from, to] of [
    ['2026-10-01', '2026-10-31'], // history: generated and stored in one pass
    ['2026-11-02', '2026-11-20'], // billed days: summarized at each day's end, records stored on reading
  ] as const) {
    const body = await admin.stream('cdr.query', {
      body: { numbers: [line.msisdn], from, to, format: 'jsonl' },
    });
    let text = '';
    for await (const chunk of body) text += String(chunk);
    const records = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { cost: number });
    const days = db()
      .prepare(
        'SELECT count(*) AS days, sum(records) AS n, sum(cost) AS cost FROM usage_days WHERE msisdn = ? AND day >= ? AND day <= ?',
      )
      .get(line.msisdn, from, to) as { days: number; n: number; cost: number };
    expect(days.days).toBeGreaterThan(15);
    expect(records.length).toBe(days.n);
    expect(records.reduce((s, r) => s + r.cost, 0)).toBe(days.cost);
  }
});
