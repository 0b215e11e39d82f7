import type { VmClient } from '../../src/client/client.js';
import { rejection, startTestBackend, type TestBackend, untyped } from './harness.js';

/**
 * Operation parameters are one schema per type (a discriminated union in src/api/operations.ts): the
 * backend refuses what a type does not take, with the error of that type's shape, before anything runs.
 */
let b: TestBackend;
let admin: VmClient;
let msisdn: string;
beforeAll(async () => {
  b = await startTestBackend({ lines: 20 });
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  msisdn = (await admin.call('numbers.list', { query: { limit: 1 } })).data[0]?.msisdn ?? '';
});
afterAll(async () => {
  await b.stop();
});

const send = (body: Record<string, unknown>) =>
  rejection(untyped(admin)('operations.create', { body, query: { dryRun: true } }));

describe('operation parameters by type', () => {
  it.each([
    ['a parameter another type takes', { type: 'tariff.change', params: { service: 'ROAMING' } }, 'service'],
    ['a misspelt parameter', { type: 'number.block', params: { reasn: 'lost' } }, 'reasn'],
    [
      'a SIM order of 0 cards',
      { type: 'sim.order', params: { count: 0, account: '4001001', tariff: 'SMART' } },
      'count',
    ],
    [
      'a SIM order without an account',
      { type: 'sim.order', params: { count: 1, tariff: 'SMART' } },
      'account',
    ],
    [
      'a limit action that is not notify or block',
      { type: 'limit.set', params: { monthly: 100, action: 'explode' } },
      'action',
    ],
    [
      'a limit of more than 10,000,000 RUB as digits',
      { type: 'limit.set', params: { monthly: '1000000001' } },
      'monthly',
    ],
    [
      'an until that is not a time',
      { type: 'number.block', params: { reason: 'x', until: 'tomorrow' } },
      'until',
    ],
    [
      'a count as text',
      { type: 'sim.order', params: { count: '5', account: '4001001', tariff: 'SMART' } },
      'count',
    ],
  ])('refuses %s with 400, naming the field', async (_name, body, field) => {
    const err = await rejection(
      untyped(admin)('operations.create', {
        body: { ...body, ...(body.type === 'sim.order' ? {} : { targets: [{ msisdn }] }) },
        query: { dryRun: true },
      }),
    );
    expect(err).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(err.message).toContain(field);
    // The errors are those of the type asked for (about its params), not of all eleven shapes.
    const errors = (err.details as { errors: { instancePath: string }[] }).errors;
    for (const e of errors) expect(e.instancePath).toMatch(/^\/params(\/|$)/);
  });

  it('refuses a row value the type does not take (a service on a tariff change row)', async () => {
    const err = await send({
      type: 'tariff.change',
      params: {},
      targets: [{ msisdn, params: { service: 'X' } }],
    });
    expect(err).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(err.message).toContain('service');
  });

  it('refuses an unknown type, listing none of the shapes', async () => {
    const err = await send({ type: 'tariff.explode', params: {}, targets: [{ msisdn }] });
    expect(err).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(err.message).toMatch(/type/);
  });

  it('accepts each type with the parameters it takes', async () => {
    const ok = [
      { type: 'tariff.change', params: { tariff: 'SMART' } },
      { type: 'service.add', params: { service: 'ROAMING', until: '2030-01-01T00:00:00Z' } },
      { type: 'number.block', params: { reason: 'lost', until: '2030-01-01T00:00:00Z' } },
      { type: 'number.unblock', params: {} },
      { type: 'limit.set', params: { monthly: '150000', action: 'block' } },
      { type: 'limit.set', params: { monthly: 150000 } },
      { type: 'group.move', params: {}, rows: { group: 'sales' } },
      { type: 'tariff.change', params: {}, rows: { tariff: 'SMART' } },
    ];
    for (const { rows, ...body } of ok) {
      const plan = await untyped(admin)('operations.create', {
        body: { ...body, targets: [{ msisdn, ...(rows ? { params: rows } : {}) }] },
        query: { dryRun: true },
      });
      expect(plan).toMatchObject({ type: body.type, total: 1 });
    }
  });

  it('stores a number change with the new number normalized, the pick resolved', async () => {
    const plan = (await untyped(admin)('operations.create', {
      body: { type: 'number.change', params: { to: '8 (999) 000-11-22' }, targets: [{ msisdn }] },
      query: { dryRun: true },
    })) as { params: Record<string, unknown> };
    expect(plan.params).toEqual({ to: '+79990001122' });
  });
});
