import type { Line } from '../../src/api/lines.js';
import type { Operation, Plan, PlanLine } from '../../src/api/operations.js';
import type { VmClient } from '../../src/client/client.js';
import { jsonLines } from '../../src/client/json-lines.js';
import { TARIFF_CHANGE_FEE } from '../../src/domain/operations.js';
import { startTestBackend, rejection, type TestBackend } from './harness.js';

let b: TestBackend;
let admin: VmClient;
let all: Line[];
beforeAll(async () => {
  b = await startTestBackend({ lines: 400 });
  // A token, not a session: the clock tests jump hours ahead, past any idle timeout.
  const session = await b.loginAs('admin@demo.test', 'admin-demo-1');
  admin = b.client((await session.call('tokens.create', { body: { name: 'ops-test' } })).token);
  all = [];
  for await (const n of admin.paginate('numbers.list')) all.push(n);
});
afterAll(async () => {
  await b.stop();
});

async function finished(client: VmClient, id: string): Promise<Operation> {
  await b.services.worker.idle();
  return client.call('operations.show', { params: { id } });
}

const active = () => all.filter((n) => n.status === 'active');

/** The company's money: every account's balance added up. */
async function balances(): Promise<number> {
  let sum = 0;
  for await (const a of admin.paginate('accounts.list')) sum += a.balance ?? 0;
  return sum;
}

describe('tariff change', () => {
  it('changes every number once and skips those already on the tariff', async () => {
    const targets = active()
      .filter((n) => n.region === 'MOW' && n.tariff !== 'SMART_PLUS' && n.services.length === 0)
      .slice(0, 10);
    const op = await admin.call('operations.create', {
      body: {
        type: 'tariff.change',
        params: { tariff: 'SMART_PLUS' },
        targets: targets.map((t) => ({ msisdn: t.msisdn })),
      },
      idempotencyKey: 'tc-1',
    });
    expect(op.state).toMatch(/queued|running/);
    const done = await finished(admin, op.id);
    expect(done).toMatchObject({ state: 'succeeded', total: 10, succeeded: 10, failed: 0 });
    for (const t of targets) {
      const line = await admin.call('numbers.show', { params: { msisdn: t.msisdn } });
      expect(line.tariff).toBe('SMART_PLUS');
    }
    const again = await admin.call('operations.create', {
      body: {
        type: 'tariff.change',
        params: { tariff: 'SMART_PLUS' },
        targets: targets.map((t) => ({ msisdn: t.msisdn })),
      },
    });
    expect(await finished(admin, again.id)).toMatchObject({ state: 'succeeded', skipped: 10, succeeded: 0 });
  });

  it('replays the same operation for the same key and body, and refuses another body', async () => {
    const body = {
      type: 'tariff.change' as const,
      params: { tariff: 'SMART' },
      targets: [{ msisdn: active()[0]?.msisdn ?? '' }],
    };
    const first = await admin.call('operations.create', { body, idempotencyKey: 'same-key' });
    const second = await admin.call('operations.create', { body, idempotencyKey: 'same-key' });
    expect(second.id).toBe(first.id);
    expect(second.replayed).toBe(true);
    const other = { ...body, params: { tariff: 'UNLIM' } };
    expect(
      await rejection(admin.call('operations.create', { body: other, idempotencyKey: 'same-key' })),
    ).toMatchObject({
      code: 'idempotency_conflict',
      status: 409,
    });
  });

  it('fails items by rule with stable codes: region, unknown number, terminated', async () => {
    const nsk = active().find(
      (n) => n.region === 'NSK' && n.tariff !== 'UNLIM' && !n.services.some((s) => s.startsWith('DATA_PLUS')),
    );
    const terminated = all.find((n) => n.status === 'terminated');
    const op = await admin.call('operations.create', {
      body: {
        type: 'tariff.change',
        params: { tariff: 'UNLIM' },
        targets: [
          { msisdn: nsk?.msisdn ?? '' },
          { msisdn: '+79000000001' },
          { msisdn: terminated?.msisdn ?? '' },
        ],
      },
    });
    expect(await finished(admin, op.id)).toMatchObject({ state: 'failed', failed: 3 });
    const items = await admin.call('operations.items', { params: { id: op.id }, query: { state: 'failed' } });
    expect(items.data.map((i) => i.code)).toEqual(['tariff_not_in_region', 'not_found', 'number_terminated']);
  });

  it('plans a dry run with the cost delta and stores nothing', async () => {
    const targets = active()
      .filter((n) => n.tariff === 'SMART' && n.services.length === 0)
      .slice(0, 3);
    const plan = (await admin.call('operations.create', {
      query: { dryRun: true },
      body: {
        type: 'tariff.change',
        params: { tariff: 'BUSINESS_PRO' },
        targets: targets.map((t) => ({ msisdn: t.msisdn })),
      },
    })) as unknown as {
      apply: number;
      monthlyDelta: number;
      items: { monthlyDelta: number; before: { tariff: string } }[];
    };
    expect(plan.apply).toBe(targets.length);
    expect(plan.monthlyDelta).toBe(targets.length * (129000 - 49000));
    expect(plan.items[0]?.before.tariff).toBe('SMART');
    const line = await admin.call('numbers.show', { params: { msisdn: targets[0]?.msisdn ?? '' } });
    expect(line.tariff).toBe('SMART');
  });

  it("names each number's employee in the plan, for a person reading it (null when not found)", async () => {
    const known = active()[0];
    const plan = (await admin.call('operations.create', {
      query: { dryRun: true },
      body: {
        type: 'tariff.change',
        params: { tariff: 'SMART' },
        targets: [{ msisdn: known?.msisdn ?? '' }, { msisdn: '+79990009999' }],
      },
    })) as unknown as Plan;
    expect(plan.items.map((i) => [i.msisdn, i.employee])).toEqual([
      [known?.msisdn, known?.employee],
      ['+79990009999', null],
    ]);
  });
});

describe('scope', () => {
  it('fails numbers outside the manager scope as not_found and never changes them', async () => {
    const manager = await b.loginAs('manager@demo.test', 'manager-demo-1');
    const outside = active().find((n) => n.groupId === 'warehouse' && n.tariff !== 'VOICE_ECO');
    const inside = active().find(
      (n) => n.groupId === 'sales-north' && n.tariff !== 'VOICE_ECO' && n.services.length === 0,
    );
    const op = await manager.call('operations.create', {
      body: {
        type: 'tariff.change',
        params: { tariff: 'VOICE_ECO' },
        targets: [{ msisdn: outside?.msisdn ?? '' }, { msisdn: inside?.msisdn ?? '' }],
      },
    });
    const done = await finished(manager, op.id);
    expect(done).toMatchObject({ state: 'partially_failed', succeeded: 1, failed: 1 });
    const failedItems = await manager.call('operations.items', {
      params: { id: op.id },
      query: { state: 'failed' },
    });
    expect(failedItems.data[0]).toMatchObject({ msisdn: outside?.msisdn, code: 'not_found' });
    expect((await admin.call('numbers.show', { params: { msisdn: outside?.msisdn ?? '' } })).tariff).toBe(
      outside?.tariff,
    );
  });

  it('refuses a viewer any change with 403', async () => {
    const viewer = await b.loginAs('viewer@demo.test', 'viewer-demo-1');
    expect(
      await rejection(
        viewer.call('operations.create', {
          body: {
            type: 'number.block',
            params: { reason: 'lost' },
            targets: [{ msisdn: active()[0]?.msisdn ?? '' }],
          },
        }),
      ),
    ).toMatchObject({ status: 403 });
  });
});

describe('scheduled block with until', () => {
  it('blocks at 18:00 and unblocks at 08:00 by the backend clock alone', async () => {
    const target = active().find((n) => n.groupId === 'it');
    const msisdn = target?.msisdn ?? '';
    const status = async () => (await admin.call('numbers.show', { params: { msisdn } })).status;
    const day = b.services.clock.now().toISOString().slice(0, 10);
    await admin.call('test.clock.set', { body: { now: `${day}T10:00:00Z` } });
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86400_000).toISOString().slice(0, 10);
    const op = await admin.call('operations.create', {
      body: {
        type: 'number.block',
        params: { reason: 'vacation', until: `${next}T08:00:00Z` },
        targets: [{ msisdn }],
        scheduledAt: `${day}T18:00:00Z`,
      },
    });
    expect(op.state).toBe('scheduled');
    await admin.call('test.clock.set', { body: { now: `${day}T17:59:00Z` } });
    expect(await status()).toBe('active');
    await admin.call('test.clock.set', { body: { now: `${day}T18:00:00Z` } });
    expect(await status()).toBe('blocked');
    await admin.call('test.clock.set', { body: { now: `${next}T07:59:00Z` } });
    expect(await status()).toBe('blocked');
    await admin.call('test.clock.set', { body: { now: `${next}T08:00:00Z` } });
    expect(await status()).toBe('active');
  });
});

describe('a clock moved days ahead', () => {
  it('runs a scheduled block at its time as the days are replayed, not at the billing event after it', async () => {
    const msisdn = active().filter((n) => n.groupId === 'it')[1]?.msisdn ?? '';
    const day = b.services.clock.now().toISOString().slice(0, 10);
    await admin.call('test.clock.set', { body: { now: `${day}T10:00:00Z` } });
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86400_000).toISOString().slice(0, 10);
    const at = `${next}T11:30:00.000Z`;
    const op = await admin.call('operations.create', {
      body: { type: 'number.block', params: { reason: 'vacation' }, targets: [{ msisdn }], scheduledAt: at },
    });
    await admin.call('test.clock.set', { body: { advanceSeconds: 3 * 86400 } });
    const done = await finished(admin, op.id);
    expect(done).toMatchObject({ state: 'succeeded', scheduledAt: at, finishedAt: at });
    const audit = await admin.call('audit.list', { query: { number: msisdn, action: 'number.block' } });
    expect(audit.data.map((e) => e.time)).toEqual([at]);
  });
});

describe('service added until a time', () => {
  it("takes off at that time the service each row added, not the command's own", async () => {
    const targets: Line[] = [];
    for await (const n of admin.paginate('numbers.list', { tariff: 'SMART', status: 'active' }))
      if (n.services.length === 0 && targets.length < 2) targets.push(n);
    expect(targets).toHaveLength(2);
    const [own, row] = targets.map((t) => t.msisdn);
    const until = new Date(b.services.clock.now().getTime() + 3600_000).toISOString();
    const op = await admin.call('operations.create', {
      body: {
        type: 'service.add',
        params: { service: 'VOICEMAIL', until },
        targets: [{ msisdn: own ?? '' }, { msisdn: row ?? '', params: { service: 'ANTISPAM' } }],
      },
    });
    expect(await finished(admin, op.id)).toMatchObject({ succeeded: 2 });
    const services = async (msisdn = '') =>
      (await admin.call('numbers.show', { params: { msisdn } })).services;
    expect(await services(row)).toContain('ANTISPAM');
    await admin.call('test.clock.set', { body: { advanceSeconds: 3600 } });
    await b.services.worker.idle();
    const removal = (await admin.call('operations.list', { query: { type: 'service.remove', limit: 1 } }))
      .data[0];
    expect(removal).toMatchObject({
      parentId: op.id,
      state: 'succeeded',
      succeeded: 2,
      rowValues: [{ name: 'service', count: 1, values: [{ value: 'ANTISPAM', count: 1 }] }],
    });
    expect(await services(own)).not.toContain('VOICEMAIL');
    expect(await services(row)).not.toContain('ANTISPAM');
  });
});

describe('rollback and cancel', () => {
  it('rolls a service addition back, once, however often it is asked', async () => {
    const targets = active()
      .filter((n) => n.tariff === 'SMART' && !n.services.includes('ANTISPAM'))
      .slice(0, 4);
    const op = await admin.call('operations.create', {
      body: {
        type: 'service.add',
        params: { service: 'ANTISPAM' },
        targets: targets.map((t) => ({ msisdn: t.msisdn })),
      },
    });
    expect((await finished(admin, op.id)).succeeded).toBe(4);
    const back = await admin.call('operations.rollback', { params: { id: op.id } });
    const again = await admin.call('operations.rollback', { params: { id: op.id } });
    expect(again.id).toBe(back.id);
    expect(await finished(admin, back.id)).toMatchObject({
      type: 'service.remove',
      succeeded: 4,
      rollbackOf: op.id,
    });
    const line = await admin.call('numbers.show', { params: { msisdn: targets[0]?.msisdn ?? '' } });
    expect(line.services).not.toContain('ANTISPAM');
  });

  it("shows what the targets' own values asked for, on the operation and on its rollback", async () => {
    // As they are now: earlier tests changed some.
    const targets: Line[] = [];
    for await (const n of admin.paginate('numbers.list', { region: 'MOW', status: 'active' }))
      if (n.services.length === 0 && !n.tariff.startsWith('SMART') && targets.length < 4) targets.push(n);
    expect(targets).toHaveLength(4);
    const own = ['SMART', 'SMART_PLUS', 'SMART', undefined];
    const op = await admin.call('operations.create', {
      body: {
        type: 'tariff.change',
        params: { tariff: 'SMART' },
        targets: targets.map((t, i) => ({
          msisdn: t.msisdn,
          ...(own[i] ? { params: { tariff: own[i] } } : {}),
        })),
      },
    });
    const rowValues = [
      {
        name: 'tariff',
        count: 3,
        values: [
          { value: 'SMART', count: 2 },
          { value: 'SMART_PLUS', count: 1 },
        ],
      },
    ];
    expect(op.rowValues).toEqual(rowValues);
    expect(await finished(admin, op.id)).toMatchObject({ succeeded: 4, rowValues });
    const before = new Map<string, number>();
    for (const t of targets) before.set(t.tariff, (before.get(t.tariff) ?? 0) + 1);
    const back = await admin.call('operations.rollback', { params: { id: op.id } });
    expect(back.rowValues).toEqual([
      {
        name: 'tariff',
        count: 4,
        values: expect.arrayContaining([...before].map(([value, count]) => ({ value, count }))),
      },
    ]);
    expect((await admin.call('operations.list', { query: { limit: 1 } })).data[0]?.rowValues).toEqual(
      back.rowValues,
    );
    const plain = await admin.call('operations.create', {
      body: { type: 'number.unblock', params: {}, targets: [{ msisdn: targets[0]?.msisdn ?? '' }] },
    });
    expect(plain.rowValues).toEqual([]);
  });

  it('plans a rollback with the fees it charges again, stores nothing, and then charges exactly those', async () => {
    const targets: Line[] = [];
    for await (const n of admin.paginate('numbers.list', { region: 'SPE', status: 'active' }))
      if (n.services.length === 0 && n.tariff !== 'SMART' && targets.length < 3) targets.push(n);
    expect(targets).toHaveLength(3);
    const op = await admin.call('operations.create', {
      body: {
        type: 'tariff.change',
        params: { tariff: 'SMART' },
        targets: targets.map((t) => ({ msisdn: t.msisdn })),
      },
    });
    expect(await finished(admin, op.id)).toMatchObject({ succeeded: 3, fees: 3 * TARIFF_CHANGE_FEE });
    const operations = async () =>
      (await admin.call('operations.list', { query: { limit: 1000 } })).data.length;
    const before = { operations: await operations(), money: await balances() };

    const lines: PlanLine[] = [];
    for await (const line of jsonLines<PlanLine>(
      await admin.stream('operations.rollbackPlan', { params: { id: op.id } }),
    ))
      lines.push(line);
    expect(lines.slice(0, -1)).toEqual(
      targets.map((t) =>
        expect.objectContaining({
          msisdn: t.msisdn,
          outcome: 'apply',
          before: { tariff: 'SMART' },
          after: { tariff: t.tariff },
          fee: TARIFF_CHANGE_FEE,
        }),
      ),
    );
    expect(lines.at(-1)).toEqual({
      summary: expect.objectContaining({
        type: 'tariff.change',
        total: 3,
        apply: 3,
        fees: 3 * TARIFF_CHANGE_FEE,
      }),
    });
    expect({ operations: await operations(), money: await balances() }).toEqual(before);

    const back = await admin.call('operations.rollback', { params: { id: op.id } });
    expect(await finished(admin, back.id)).toMatchObject({ succeeded: 3, fees: 3 * TARIFF_CHANGE_FEE });
    expect(await balances()).toBe(before.money - 3 * TARIFF_CHANGE_FEE);
  });

  it('refuses to plan the rollback of a change that changed nothing (422)', async () => {
    const op = await admin.call('operations.create', {
      body: { type: 'number.unblock', params: {}, targets: [{ msisdn: '+79990009999' }] },
    });
    await finished(admin, op.id);
    expect(await rejection(admin.stream('operations.rollbackPlan', { params: { id: op.id } }))).toMatchObject(
      {
        status: 422,
        details: { reason: 'rollback_empty' },
      },
    );
  });

  it('cancels a scheduled operation so it never runs', async () => {
    const msisdn = active().find((n) => n.groupId === 'finance')?.msisdn ?? '';
    const later = new Date(b.services.clock.now().getTime() + 3600_000).toISOString();
    const op = await admin.call('operations.create', {
      body: { type: 'number.block', params: { reason: 'lost' }, targets: [{ msisdn }], scheduledAt: later },
    });
    const cancelled = await admin.call('operations.cancel', { params: { id: op.id } });
    expect(cancelled).toMatchObject({ state: 'cancelled', cancelled: 1 });
    await admin.call('test.clock.set', { body: { advanceSeconds: 7200 } });
    expect((await admin.call('numbers.show', { params: { msisdn } })).status).toBe('active');
  });
});

describe('order of work', () => {
  it('runs a small operation that fell due before the rest of a bulk change', async () => {
    await b.services.worker.stop();
    try {
      // The test company has 400 lines, so a bulk of more than 1,000 items is made by setting its total:
      // the rule is the repository's order of runnable operations.
      const bulk = await admin.call('operations.create', {
        body: { type: 'tariff.change', params: { tariff: 'SMART_PLUS' }, filter: { all: true } },
        idempotencyKey: 'order-bulk',
      });
      const block = await admin.call('operations.create', {
        body: {
          type: 'number.block',
          params: { reason: 'lost' },
          targets: [{ msisdn: active()[5]?.msisdn ?? '' }],
        },
        idempotencyKey: 'order-block',
      });
      // Pretend the bulk is big (as at 100,000 numbers) and already running.
      b.services.store.operations.setState(bulk.id, 'running', { startedAt: new Date().toISOString() });
      b.db().prepare('UPDATE operations SET total = 100000 WHERE id = ?').run(bulk.id);
      expect(b.services.store.operations.nextRunnable()).toBe(block.id);
      b.db().prepare('UPDATE operations SET total = 400 WHERE id = ?').run(bulk.id);
      expect(b.services.store.operations.nextRunnable()).toBe(bulk.id);
    } finally {
      b.services.worker.start();
      await b.services.worker.idle();
    }
  });
});
