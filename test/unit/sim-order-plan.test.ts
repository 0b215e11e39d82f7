import { SIM_REPLACE_FEE } from '../../src/domain/operations.js';
import { planSimOrder, type OrderWorld, type PlanWorld } from '../../src/domain/plan.js';

/** A catalog of two tariffs, two accounts and three groups; the order's scope is `sales` and `it`. */
function world(more: Partial<OrderWorld & PlanWorld> = {}): PlanWorld & OrderWorld {
  const accounts = new Map([
    ['A1', { id: 'A1', region: 'MOW' }],
    ['A2', { id: 'A2', region: 'NSK' }],
  ]);
  const scope = ['sales', 'it'];
  return {
    tariffs: new Map([
      ['SMART', { monthlyFee: 49000, regions: ['MOW', 'NSK'] }],
      ['UNLIM', { monthlyFee: 195000, regions: ['MOW'] }],
    ]),
    services: new Map(),
    groups: new Set(scope),
    tariffChangesThisMonth: () => 0,
    available: () => 10 * SIM_REPLACE_FEE,
    iccidInUse: () => false,
    numberExists: () => false,
    account: (id) => accounts.get(id),
    defaultGroup: 'sales',
    inOrderScope: (g) => scope.includes(g),
    authorCovers: () => true,
    ...more,
  };
}

describe('planSimOrder', () => {
  it('puts a card on the account, on the tariff, in the default group, for the SIM fee', () => {
    expect(planSimOrder({ account: 'A1', tariff: 'smart' }, world())).toEqual({
      outcome: 'apply',
      account: { id: 'A1', region: 'MOW' },
      before: {},
      after: { tariff: 'SMART', groupId: 'sales' },
      monthlyDelta: 49000,
      fee: SIM_REPLACE_FEE,
    });
  });

  it.each([
    ['account_unknown', { account: 'A9', tariff: 'SMART' }, {}, 'A9'],
    ['tariff_unknown', { account: 'A1', tariff: 'NOPE' }, {}, 'NOPE'],
    ['tariff_not_in_region', { account: 'A2', tariff: 'UNLIM' }, {}, 'UNLIM is not offered in NSK'],
    ['group_unknown', { account: 'A1', tariff: 'SMART', group: 'warehouse' }, {}, 'warehouse'],
    [
      'author_not_permitted',
      { account: 'A1', tariff: 'SMART' },
      { authorCovers: () => false },
      'out_of_scope',
    ],
    [
      'insufficient_balance',
      { account: 'A1', tariff: 'SMART' },
      { available: () => SIM_REPLACE_FEE - 1 },
      undefined,
    ],
  ] as const)('fails with %s', (code, params, more, detail) => {
    expect(planSimOrder(params, world(more))).toEqual({ outcome: 'fail', code, detail });
  });

  it('checks the account before the tariff, and the region before the group', () => {
    expect(planSimOrder({ account: 'A9', tariff: 'NOPE' }, world())).toMatchObject({
      code: 'account_unknown',
    });
    expect(planSimOrder({ account: 'A2', tariff: 'UNLIM', group: 'warehouse' }, world())).toMatchObject({
      code: 'tariff_not_in_region',
    });
  });
});
