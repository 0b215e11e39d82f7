import type {
  OperationCreateBody,
  OperationParamsOf,
  OperationItem,
  Plan,
  PlanItem,
} from '../../src/api/operations.js';
import type { VmClient } from '../../src/client/client.js';
import { SIM_REPLACE_FEE } from '../../src/domain/operations.js';
import { startTestBackend, type TestBackend } from './harness.js';

/**
 * A SIM order's dry run follows the rules the worker applies (one planner, src/domain/plan.ts): what the
 * dry run says of each card is what the real run then does, failures and their codes included.
 */
let b: TestBackend;
let admin: VmClient;
beforeAll(async () => {
  b = await startTestBackend({ lines: 60 });
  const session = await b.loginAs('admin@demo.test', 'admin-demo-1');
  admin = b.client((await session.call('tokens.create', { body: { name: 'sim-order-test' } })).token);
});
afterAll(async () => {
  await b.stop();
});

/** One card as the dry run or the real run sees it. */
type Card = { result: 'apply' | 'fail' | 'skip'; code: string | null; detail: string | null };

const planned = (i: PlanItem): Card => ({ result: i.outcome, code: i.code, detail: i.detail });
const done = (i: OperationItem): Card => ({
  result: i.state === 'succeeded' ? 'apply' : i.state === 'skipped' ? 'skip' : 'fail',
  code: i.code,
  detail: i.detail,
});

/** The dry run of an order, then the order itself: the cards of each, in order. */
async function planThenRun(params: OperationParamsOf<'sim.order'>): Promise<{ plan: Card[]; run: Card[] }> {
  const body: OperationCreateBody = { type: 'sim.order', params };
  // The contract types the answer as an operation; with dryRun it is a plan.
  const plan = (await admin.call('operations.create', { body, query: { dryRun: true } })) as unknown as Plan;
  const op = await admin.call('operations.create', { body });
  await b.services.worker.idle();
  const items = await admin.call('operations.items', { params: { id: op.id }, query: { limit: 1000 } });
  return { plan: plan.items.map(planned), run: items.data.map(done) };
}

async function available(account: string): Promise<number> {
  const balance = await admin.call('balance.show', { query: { account } });
  return balance.accounts.find((a) => a.accountId === account)?.available ?? 0;
}

describe('a SIM order dry run shows the failures the real run produces', () => {
  it('on an account without money: insufficient_balance for every card', async () => {
    // The Siberia branch starts with 45.20 RUB and no credit: less than one SIM card.
    expect(await available('4001003')).toBeLessThan(SIM_REPLACE_FEE);
    const { plan, run } = await planThenRun({ count: 2, tariff: 'SMART', account: '4001003' });
    expect(plan).toEqual(Array(2).fill({ result: 'fail', code: 'insufficient_balance', detail: null }));
    expect(run).toEqual(plan);
  });

  it('for a tariff not offered in the account region: tariff_not_in_region', async () => {
    const { plan, run } = await planThenRun({ count: 1, tariff: 'UNLIM', account: '4001003' });
    expect(plan).toEqual([
      { result: 'fail', code: 'tariff_not_in_region', detail: 'UNLIM is not offered in NSK' },
    ]);
    expect(run).toEqual(plan);
  });

  it.each([
    ['an unknown account', 'account_unknown', { account: '4009999', tariff: 'SMART' }, '4009999'],
    ['an unknown tariff', 'tariff_unknown', { account: '4001001', tariff: 'NO_SUCH' }, 'NO_SUCH'],
    [
      'a group that does not exist',
      'group_unknown',
      { account: '4001001', tariff: 'SMART', group: 'nowhere' },
      'nowhere',
    ],
  ])('for %s: %s', async (_what, code, params, detail) => {
    const { plan, run } = await planThenRun({ count: 1, ...params });
    expect(plan).toEqual([{ result: 'fail', code, detail }]);
    expect(run).toEqual(plan);
  });

  it('runs the balance down card by card: the cards past the money fail in both', async () => {
    // Enough for two and a half cards.
    const amount = Math.round(2.5 * SIM_REPLACE_FEE) - (await available('4001003'));
    await admin.call('payments.create', { body: { account: '4001003', amount } });
    const { plan, run } = await planThenRun({ count: 4, tariff: 'SMART', account: '4001003', group: 'it' });
    expect(plan.map((c) => c.code)).toEqual([null, null, 'insufficient_balance', 'insufficient_balance']);
    expect(run).toEqual(plan);
  });
});
