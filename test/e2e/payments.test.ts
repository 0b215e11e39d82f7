import type { Account } from '../../src/api/lines.js';
import type { Payment } from '../../src/api/money.js';
import { adminBackend } from '../support/admin-backend.js';
import { demo, loginAs, makeConfigHome, parseJson, runVm } from '../support/run-vm.js';

describe('payments (vm pay, vm payments list)', () => {
  const fixture = adminBackend();
  const admin = fixture.admin;
  const balance = async (id: string) =>
    parseJson<Account[]>((await admin('accounts', 'list', '--json')).stdout).find((a) => a.id === id)
      ?.balance ?? NaN;

  it('tops up with a Russian-spelled amount, exactly in kopecks, once per idempotency key', async () => {
    const before = await balance('4001003');
    const paid = await admin(
      'pay',
      '--account',
      '4001003',
      '--amount',
      '1 500,25',
      '--idempotency-key',
      'pay-1',
      '--json',
    );
    expect(paid.code).toBe(0);
    expect(parseJson<Payment>(paid.stdout)).toMatchObject({
      amount: 150025,
      kind: 'top_up',
      accountId: '4001003',
    });
    expect(await balance('4001003')).toBe(before + 150025);
    expect(
      (await admin('pay', '--account', '4001003', '--amount', '1500.25', '--idempotency-key', 'pay-1')).code,
    ).toBe(0);
    expect(await balance('4001003')).toBe(before + 150025);
    const other = await admin('pay', '--account', '4001003', '--amount', '1', '--idempotency-key', 'pay-1');
    expect(other.code).toBe(1);
  });

  it('transfers between accounts and lists payments', async () => {
    const [from, to] = [await balance('4001001'), await balance('4001004')];
    const moved = await admin('pay', '--account', '4001004', '--amount', '200.00', '--from', '4001001');
    expect(moved.code).toBe(0);
    expect(moved.stderr).toMatch(/moved from account 4001001 to 4001004/);
    expect([await balance('4001001'), await balance('4001004')]).toEqual([from - 20000, to + 20000]);
    const list = parseJson<Payment[]>((await admin('payments', 'list', '--json')).stdout);
    expect(list.map((p) => p.kind)).toEqual(['transfer', 'top_up']);
  });

  it('refuses a bad amount (exit 2), a missing account (exit 1) and a viewer (exit 5)', async () => {
    expect((await admin('pay', '--account', '4001003', '--amount', '12.345')).code).toBe(2);
    const ru = await runVm(['pay', '--account', '4001003', '--amount', 'много', '--lang', 'ru'], {
      server: fixture.backend.url,
      configHome: fixture.config,
    });
    expect(ru.stderr).toMatch(/Не понимаю сумму/);
    expect((await admin('pay', '--account', '9999999', '--amount', '10')).code).toBe(1);
    const viewerConfig = makeConfigHome();
    await loginAs(fixture.backend.url, viewerConfig, demo.viewer.email, demo.viewer.password);
    expect(
      (
        await runVm(['pay', '--account', '4001003', '--amount', '10'], {
          server: fixture.backend.url,
          configHome: viewerConfig,
        })
      ).code,
    ).toBe(5);
    expect(
      (await runVm(['payments', 'list'], { server: fixture.backend.url, configHome: viewerConfig })).code,
    ).toBe(0);
  });
});

describe('autopay (vm autopay), fired by the backend when a balance crosses the threshold', () => {
  const fixture = adminBackend();
  const admin = fixture.admin;
  const balance = async (id: string) =>
    parseJson<Account[]>((await admin('accounts', 'list', '--json')).stdout).find((a) => a.id === id)
      ?.balance ?? NaN;

  it('tops up once when fees take the balance below the threshold, and not again while above', async () => {
    const start = await balance('4001004');
    // Just under the start: the next fee crosses it.
    const below = ((start - 1) / 100).toFixed(2);
    expect(
      (await admin('autopay', 'set', '--account', '4001004', '--below', below, '--amount', '1000')).code,
    ).toBe(0);
    expect(await balance('4001004')).toBe(start);
    const ekb = parseJson<{ msisdn: string; tariff: string; status: string; services: string[] }[]>(
      (await admin('numbers', 'list', '--account', '4001004', '--status', 'active', '--json')).stdout,
    ).filter((n) => n.tariff !== 'VOICE_ECO' && n.services.length === 0);
    const r = await admin('tariff', 'set', 'VOICE_ECO', ...ekb.slice(0, 2).map((n) => n.msisdn), '--yes');
    expect(r.code).toBe(0);
    expect(await balance('4001004')).toBe(start - 2 * 5000 + 100000);
    const payments = parseJson<{ kind: string; amount: number }[]>(
      (await admin('payments', 'list', '--account', '4001004', '--json')).stdout,
    );
    expect(payments).toEqual([expect.objectContaining({ kind: 'autopay', amount: 100000 })]);
    expect(
      parseJson<{ accountId: string }[]>((await admin('autopay', 'show', '--json')).stdout).map(
        (a) => a.accountId,
      ),
    ).toEqual(['4001004']);
    expect((await admin('autopay', 'off', '--account', '4001004')).code).toBe(0);
    expect((await admin('autopay', 'off', '--account', '4001004')).code).toBe(1);
  });
});
