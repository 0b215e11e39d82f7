import {
  alertKey,
  defaultThresholds,
  parseCount,
  parsePercent,
  reachedThresholds,
  ruleProblem,
  rulesInEffect,
  thresholdAmount,
  type AlertKey,
  type LineTotals,
  type RuleInEffect,
} from '../../src/domain/alerts.js';

/** Thresholds as people type them, what a rule may be, which rules a line has, and what it reached. */

const rule = (over: Partial<RuleInEffect> = {}): RuleInEffect => ({
  id: 'al_1',
  metric: 'spend',
  period: 'month',
  threshold: 80,
  ofLimit: true,
  action: 'notify',
  notify: ['email'],
  createdBy: 1,
  ...over,
});

const totals = (month: Partial<LineTotals['month']>, day: Partial<LineTotals['day']> = {}): LineTotals => ({
  month: { spend: 0, data: 0, minutes: 0, sms: 0, ...month },
  day: { spend: 0, data: 0, minutes: 0, sms: 0, ...day },
});

const noAllowance = { data: 0, minutes: 0, sms: 0 };

describe('reading a threshold', () => {
  it('reads a percentage with or without the sign, and refuses fractions, zero and words', () => {
    expect(['80%', '80', ' 80 % ', '5%'].map(parsePercent)).toEqual([80, 80, 80, 5]);
    expect(['80.5%', '0', '0%', '-5', 'eighty', '', '%'].map(parsePercent)).toEqual(Array(7).fill(undefined));
  });

  it('reads a count of MB, minutes or SMS with thousands separators', () => {
    expect(['1500', '1 500', '1,500', '1\u00a0500', '1000000'].map(parseCount)).toEqual([
      1500, 1500, 1500, 1500, 1_000_000,
    ]);
    expect(['0', '1.5', '15,00', '1 50', '-3', 'abc', '9999999999'].map(parseCount)).toEqual(
      Array(7).fill(undefined),
    );
  });
});

describe('what a rule may be', () => {
  const key = (over: Partial<AlertKey>): AlertKey => ({
    metric: 'spend',
    period: 'month',
    threshold: 80,
    ofLimit: true,
    ...over,
  });

  it('takes a spend percentage below the limit, and sends 100% to the limit itself', () => {
    expect(ruleProblem(key({ threshold: 99 }))).toBeNull();
    expect(ruleProblem(key({ threshold: 100 }))).toBe('alert_threshold_is_limit');
    expect(ruleProblem(key({ threshold: 120 }))).toBe('alert_threshold_invalid');
  });

  it('takes a percentage of an allowance up to 1000%, and any percentage only per month', () => {
    expect(ruleProblem(key({ metric: 'data', threshold: 150 }))).toBeNull();
    expect(ruleProblem(key({ metric: 'data', threshold: 1001 }))).toBe('alert_threshold_invalid');
    expect(ruleProblem(key({ period: 'day' }))).toBe('alert_percent_needs_month');
    expect(ruleProblem(key({ metric: 'sms', period: 'day', ofLimit: false, threshold: 50 }))).toBeNull();
  });

  it('bounds a value by its unit: money by the largest amount', () => {
    expect(ruleProblem(key({ ofLimit: false, threshold: 1_000_000_000 }))).toBeNull();
    expect(ruleProblem(key({ ofLimit: false, threshold: 1_000_000_001 }))).toBe('alert_threshold_invalid');
    expect(ruleProblem(key({ ofLimit: false, threshold: 0 }))).toBe('alert_threshold_invalid');
  });
});

describe('the rules a line has', () => {
  it("takes per key the nearest rule: its own, then its group's, then the parents'", () => {
    const own = [rule({ id: 'own80', action: 'block' })];
    const group = [rule({ id: 'group80' }), rule({ id: 'group50', threshold: 50 })];
    const parent = [
      rule({ id: 'parent50', threshold: 50 }),
      rule({ id: 'parentData', metric: 'data', ofLimit: false }),
    ];
    expect(rulesInEffect(own, [group, parent]).map((r) => r.id)).toEqual(['own80', 'group50', 'parentData']);
    expect(rulesInEffect([], [[], parent]).map((r) => r.id)).toEqual(['parent50', 'parentData']);
  });

  it('tells a percentage from a value of the same number, and a month from a day', () => {
    const keys = [
      rule(),
      rule({ ofLimit: false }),
      rule({ ofLimit: false, period: 'day' }),
      rule({ metric: 'data', ofLimit: false }),
    ].map(alertKey);
    expect(new Set(keys).size).toBe(4);
  });

  it("gives a limit 50, 80 and 100% unless the line's own rules take a percentage already", () => {
    expect(defaultThresholds([]).map((d) => [d.threshold, d.id, d.action, d.notify])).toEqual([
      [50, null, 'notify', []],
      [80, null, 'notify', []],
      [100, null, 'notify', []],
    ]);
    expect(defaultThresholds([rule({ threshold: 80 })]).map((d) => d.threshold)).toEqual([50, 100]);
    // A value, a day or another metric takes no default's place.
    const others = [rule({ ofLimit: false }), rule({ metric: 'data', threshold: 50 })];
    expect(defaultThresholds(others).map((d) => d.threshold)).toEqual([50, 80, 100]);
  });
});

describe('what a line reached', () => {
  it('rounds a percentage up, so 80% of 1,001 kopecks is 801, and needs something to take it of', () => {
    expect(thresholdAmount(rule(), 1001)).toBe(801);
    expect(thresholdAmount(rule(), 1000)).toBe(800);
    expect(thresholdAmount(rule(), undefined)).toBeUndefined();
    expect(thresholdAmount(rule({ metric: 'data' }), -1)).toBeUndefined(); // unlimited
    expect(thresholdAmount(rule({ ofLimit: false, threshold: 1500 }), undefined)).toBe(1500);
  });

  it('crosses at the threshold itself, not a kopeck before', () => {
    const r = [rule()];
    expect(reachedThresholds(r, totals({ spend: 799 }), 1000, noAllowance)).toEqual([]);
    expect(reachedThresholds(r, totals({ spend: 800 }), 1000, noAllowance)).toEqual([
      { rule: r[0], amount: 800, value: 800, base: 1000 },
    ]);
  });

  it('reads each rule against its own metric and period, lowest threshold first', () => {
    const rules = [
      rule({ id: 'a', threshold: 80 }),
      rule({ id: 'b', threshold: 50 }),
      rule({ id: 'c', metric: 'data', period: 'day', ofLimit: false, threshold: 100 }),
      rule({ id: 'd', metric: 'minutes', threshold: 90 }),
      rule({ id: 'e', metric: 'sms', ofLimit: false, threshold: 10 }),
    ];
    const got = reachedThresholds(
      rules,
      totals({ spend: 900, data: 5000, minutes: 280, sms: 9 }, { data: 120 }),
      1000,
      { data: 1024, minutes: 300, sms: 50 },
    );
    expect(got.map((c) => [c.rule.id, c.amount, c.value, c.base])).toEqual([
      ['c', 100, 120, null],
      ['d', 270, 280, 300],
      ['b', 500, 900, 1000],
      ['a', 800, 900, 1000],
    ]);
  });

  it('passes over a percentage of the limit when the line has none', () => {
    expect(reachedThresholds([rule()], totals({ spend: 10_000 }), undefined, noAllowance)).toEqual([]);
  });
});
