import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { VmClient } from '../../src/client/client.js';
import { formatMoney, formatMoneyPlain } from '../../src/domain/money.js';
import { startBackend } from '../../src/backend/server.js';
import { MIGRATIONS } from '../../src/backend/store/migrations.js';
import { openStoreFile } from '../support/store-file.js';
import { START, startTestBackend, rejection, type TestBackend, untyped } from '../integration/harness.js';

/** The business maximum of one amount: 10,000,000 ₽. */
const MAX = 1_000_000_000;
/** Not amounts of money, each for its own reason. */
const NOT_AMOUNTS: [string, unknown][] = [
  ['1e308', 1e308],
  ['true', true],
  ['" 100 "', ' 100 '],
  ['1.5', 1.5],
  ['"100"', '100'],
  ['0', 0],
  ['-100', -100],
  ['the maximum + 1', MAX + 1],
  ['null', null],
];

let b: TestBackend;
let admin: VmClient;
let msisdn: string;

beforeAll(async () => {
  b = await startTestBackend({ lines: 50 });
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  msisdn = (await admin.call('numbers.list', { query: { limit: 1 } })).data[0]?.msisdn ?? '';
});
afterAll(async () => {
  await b.stop();
});

describe('an amount of money is a whole number of kopecks up to the business maximum', () => {
  it.each(NOT_AMOUNTS)('refuses %s as a payment', async (_name, amount) => {
    const err = await rejection(untyped(admin)('payments.create', { body: { account: '4001001', amount } }));
    expect(err).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it.each(NOT_AMOUNTS)('refuses %s as an autopay threshold and as its amount', async (_name, value) => {
    for (const body of [
      { account: '4001001', below: value, amount: 100_000 },
      { account: '4001001', below: 100_000, amount: value },
    ]) {
      const err = await rejection(untyped(admin)('autopay.set', { body }));
      expect(err).toMatchObject({ status: 400, code: 'validation_failed' });
    }
  });

  it.each(NOT_AMOUNTS)('refuses %s as a group limit', async (_name, monthly) => {
    const err = await rejection(
      untyped(admin)('limits.groupSet', { body: { group: 'sales', monthly, action: 'notify' } }),
    );
    expect(err).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it.each(NOT_AMOUNTS.filter(([name]) => name !== '"100"'))(
    'refuses %s as the monthly limit of a limit.set operation',
    async (_name, monthly) => {
      const err = await rejection(
        untyped(admin)('operations.create', {
          body: { type: 'limit.set', params: { monthly, action: 'notify' }, targets: [{ msisdn }] },
          idempotencyKey: `limit-${String(monthly)}-${typeof monthly}`,
        }),
      );
      expect(err).toMatchObject({ status: 400, code: 'validation_failed' });
    },
  );

  it.each(['1e308', ' 100 ', '1.5', '0x10', '-5', 'true', String(MAX + 1)])(
    'fails the number whose CSV row says monthly=%s',
    async (monthly) => {
      const plan = (await admin.call('operations.create', {
        body: {
          type: 'limit.set',
          params: { action: 'notify' },
          targets: [{ msisdn, params: { monthly } }],
        },
        query: { dryRun: true },
      })) as unknown as { items: { outcome: string; code: string | null }[] };
      expect(plan.items[0]).toMatchObject({ outcome: 'fail', code: 'limit_invalid' });
    },
  );

  it('accepts whole kopecks up to the maximum, as numbers or (operation parameters) digit strings', async () => {
    await expect(
      admin.call('payments.create', { body: { account: '4001001', amount: MAX } }),
    ).resolves.toMatchObject({ amount: MAX });
    await expect(
      admin.call('autopay.set', { body: { account: '4001001', below: 50_000, amount: MAX } }),
    ).resolves.toMatchObject({ below: 50_000, amount: MAX });
    await expect(
      admin.call('limits.groupSet', { body: { group: 'sales', monthly: 300_000, action: 'block' } }),
    ).resolves.toMatchObject({ monthly: 300_000 });
    for (const monthly of [150_000, '150001', MAX]) {
      await expect(
        untyped(admin)('operations.create', {
          body: { type: 'limit.set', params: { monthly, action: 'notify' }, targets: [{ msisdn }] },
          query: { dryRun: true },
        }),
      ).resolves.toMatchObject({ apply: 1 });
    }
  });

  it('still coerces the query string: limit=2 is a number', async () => {
    const page = await admin.call('numbers.list', { query: { limit: '2' } });
    expect(page.data).toHaveLength(2);
  });
});

describe('amounts stored before the maximum existed', () => {
  it('are brought within range when the store opens, so every reader works again', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-money-'));
    const open = () =>
      startBackend({ dataDir, port: 0, lines: 50, seed: 1, clockStart: START, testMode: true });
    try {
      await (await open()).close();
      // Planted while the backend is down, as an older version would have left them.
      const db = openStoreFile(dataDir);
      const line = db.prepare('SELECT msisdn FROM numbers LIMIT 1').pluck().get() as string;
      const user = db.prepare('SELECT id FROM users LIMIT 1').pluck().get() as number;
      db.prepare(
        "INSERT INTO limits (msisdn, monthly, action, set_at, set_by, created_by) VALUES (?, 1e308, 'notify', ?, 'x', ?)",
      ).run(line, START.toISOString(), user);
      db.prepare(
        "INSERT INTO group_limits (group_id, monthly, action, set_at, set_by, created_by) VALUES ('sales', 12.5, 'notify', ?, 'x', ?)",
      ).run(START.toISOString(), user);
      db.prepare(
        "INSERT INTO autopay (account_id, below, amount, updated_at, updated_by) VALUES ('4001001', 1e308, 1e300, ?, 'x')",
      ).run(START.toISOString());
      const repair = MIGRATIONS.find((m) => m.name === 'money within range');
      expect(repair).toBeDefined();
      db.pragma(`user_version = ${(repair?.version ?? 1) - 1}`);
      db.close();

      const second = await open();
      try {
        const file = openStoreFile(dataDir);
        const stored = file
          .prepare(
            `SELECT monthly AS v FROM limits UNION ALL SELECT monthly FROM group_limits
             UNION ALL SELECT below FROM autopay UNION ALL SELECT amount FROM autopay`,
          )
          .pluck()
          .all() as number[];
        file.close();
        for (const v of stored) {
          expect(Number.isSafeInteger(v)).toBe(true);
          expect(() => formatMoney(v, 'en')).not.toThrow();
          expect(() => formatMoneyPlain(v)).not.toThrow();
        }
        expect(stored).toEqual(expect.arrayContaining([MAX, 13]));
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
