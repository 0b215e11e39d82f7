import { limitedNumber } from '../../src/cli/commands/demo.js';
import { generateDemoCompany } from '../../src/backend/engine/demo-company.js';
import { dayOf, periodOf } from '../../src/domain/billing.js';

const DAY_MS = 86_400_000;

/** The demo company's active lines as billing reads them: the account's billing day, the tariff's fee. */
function demoLines() {
  const company = generateDemoCompany({ seed: 1, lines: 250 });
  const billingDay = new Map(company.accounts.map((a) => [a.id, a.billingDay]));
  const fee = new Map(company.tariffs.map((t) => [t.code, t.monthlyFee]));
  return company.numbers
    .filter((n) => n.status === 'active')
    .map((n) => ({
      msisdn: n.msisdn,
      groupId: n.groupId,
      billingDay: billingDay.get(n.accountId) as number,
      monthlyFee: fee.get(n.tariff) as number,
    }));
}

describe("vm demo's spending limit", () => {
  const lines = demoLines();

  it('is set, whatever day the tour starts, on an IT number over the limit whose period holds for its three days', async () => {
    // Every start of a leap year, at the hour the tour runs: the limit must show passed in its own period.
    for (let t = Date.UTC(2028, 0, 1, 11); t < Date.UTC(2029, 0, 1); t += DAY_MS) {
      const from = new Date(t);
      const to = new Date(t + 3 * DAY_MS);
      const msisdn = await limitedNumber(lines, from, to);
      const line = lines.find((l) => l.msisdn === msisdn);
      expect({ day: dayOf(from), found: line !== undefined }).toEqual({ day: dayOf(from), found: true });
      if (!line) continue;
      expect(line.groupId).toBe('it');
      expect(line.monthlyFee).toBeGreaterThan(30_000);
      expect(periodOf(dayOf(to), line.billingDay).start).toBe(periodOf(dayOf(from), line.billingDay).start);
    }
  });
});
