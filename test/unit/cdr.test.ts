import { addDays, MB, periodCost, RATES, type Allowance } from '../../src/domain/billing.js';
import {
  generateDay,
  hash32,
  personaOf,
  prng,
  summarize,
  summarizeDay,
  type CdrLine,
  type CdrRecord,
  type DaySummary,
  type UsedAllowance,
} from '../../src/domain/cdr.js';

const SEED = 42;
/** A heavy talker who travels: with SEED it has roaming days in the period starting PERIOD_START. */
const TRAVELLER = '+79160000039';
/** Not a traveller with SEED: every record is domestic. */
const HOMEBODY = '+79160000001';
const PERIOD_START = '2026-10-05';
const PERIOD_DAYS = 30;

const SMART: Allowance = { minutes: 300, sms: 100, dataMb: 10240 };
const UNLIMITED: Allowance = { minutes: -1, sms: -1, dataMb: -1 };
const NOTHING_INCLUDED: Allowance = { minutes: 0, sms: 1, dataMb: 0 }; // sms 1 so that it is not data-only

function fresh(): UsedAllowance {
  return { minutes: 0, sms: 0, dataMb: 0 };
}

function line(msisdn: string, allowance: Allowance, region = 'MOW'): CdrLine {
  return { msisdn, region, allowance };
}

/** Every day of a period, chaining `used` from one day to the next as the backend does. */
function period(l: CdrLine, start = PERIOD_START, days = PERIOD_DAYS) {
  const used = fresh();
  const byDay: CdrRecord[][] = [];
  for (let i = 0; i < days; i++) byDay.push(generateDay(SEED, l, addDays(start, i), used));
  return { used, byDay, records: byDay.flat() };
}

function total(summaries: DaySummary[]): DaySummary {
  const t: DaySummary = {
    records: 0,
    minutes: 0,
    calls: 0,
    sms: 0,
    dataMb: 0,
    bytes: 0,
    roamingMinutes: 0,
    roamingMb: 0,
    cost: 0,
  };
  for (const s of summaries) for (const k of Object.keys(t) as (keyof DaySummary)[]) t[k] += s[k];
  return t;
}

describe('hash32', () => {
  it('is 32-bit FNV-1a (published test vectors)', () => {
    expect(hash32('')).toBe(0x811c9dc5);
    expect(hash32('a')).toBe(0xe40c292c);
    expect(hash32('foobar')).toBe(0xbf9cf968);
  });

  it('gives the same unsigned 32-bit number for the same text, and differs for other text', () => {
    const h = hash32('42:+79160000039:2026-11-04');
    expect(hash32('42:+79160000039:2026-11-04')).toBe(h);
    expect(hash32('42:+79160000039:2026-11-05')).not.toBe(h);
    expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
  });
});

describe('prng', () => {
  it('gives the same sequence for the same seed', () => {
    const a = prng(12345);
    const b = prng(12345);
    const first = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(first);
  });

  it('gives another sequence for another seed', () => {
    const a = prng(1);
    const b = prng(2);
    expect(Array.from({ length: 10 }, () => a())).not.toEqual(Array.from({ length: 10 }, () => b()));
  });

  it('stays in [0, 1) and spreads over it', () => {
    for (const seed of [0, 1, 0xffffffff, hash32('x')]) {
      const next = prng(seed);
      let sum = 0;
      let low = 0;
      const outside: number[] = [];
      for (let i = 0; i < 10_000; i++) {
        const x = next();
        if (!(x >= 0 && x < 1)) outside.push(x);
        sum += x;
        if (x < 0.1) low++;
      }
      expect(outside).toEqual([]);
      expect(sum / 10_000).toBeGreaterThan(0.45);
      expect(sum / 10_000).toBeLessThan(0.55);
      expect(low).toBeGreaterThan(800);
      expect(low).toBeLessThan(1200);
    }
  });
});

describe('personaOf', () => {
  it('is fixed per seed and number', () => {
    expect(personaOf(SEED, TRAVELLER)).toEqual(personaOf(SEED, TRAVELLER));
    expect(personaOf(SEED, TRAVELLER)).toEqual({ persona: 'heavy', traveller: true });
    expect(personaOf(SEED, HOMEBODY).traveller).toBe(false);
  });
});

describe('generateDay', () => {
  it('gives deep-equal records for the same arguments', () => {
    const l = line(TRAVELLER, SMART);
    const a = generateDay(SEED, l, '2026-11-04', fresh());
    const b = generateDay(SEED, l, '2026-11-04', fresh());
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it('gives other records for another seed, day or number', () => {
    const base = generateDay(SEED, line(TRAVELLER, SMART), '2026-11-04', fresh());
    expect(generateDay(SEED + 1, line(TRAVELLER, SMART), '2026-11-04', fresh())).not.toEqual(base);
    expect(generateDay(SEED, line(TRAVELLER, SMART), '2026-11-05', fresh())).not.toEqual(base);
    expect(generateDay(SEED, line('+79160000040', SMART), '2026-11-04', fresh())).not.toEqual(base);
  });

  it('keeps every record on its UTC day, in time order, of a known kind', () => {
    const wrong: string[] = []; // one expect per record would take seconds
    for (const msisdn of [TRAVELLER, HOMEBODY, '+79160000040', '+79160000148']) {
      const used = fresh();
      for (let i = 0; i < 45; i++) {
        const day = addDays('2026-12-10', i); // crosses a year boundary and several weekends
        const records = generateDay(SEED, line(msisdn, SMART), day, used);
        if (records.length === 0) wrong.push(`${msisdn} ${day}: no records`);
        for (const r of records) {
          const ok =
            /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(r.time) &&
            r.time.slice(0, 10) === day &&
            ['call', 'sms', 'data', 'roaming'].includes(r.kind) &&
            Number.isInteger(r.cost) &&
            r.cost >= 0;
          if (!ok) wrong.push(`${msisdn} ${day}: ${JSON.stringify(r)}`);
        }
        const times = records.map((r) => r.time);
        if (times.join() !== [...times].sort().join()) wrong.push(`${msisdn} ${day}: out of order`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('gives a data-only tariff only data and roaming data records', () => {
    const { records } = period(line(TRAVELLER, { minutes: 0, sms: 0, dataMb: 5000 }));
    const kinds = new Set(records.map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['data', 'roaming']);
    for (const r of records) {
      expect(r.seconds).toBe(0);
      expect(r.direction).toBeNull();
      expect(r.peer).toBe('internet');
      expect(r.bytes).toBeGreaterThan(0);
    }
  });

  it('advances `used` in place by what the day consumed of the allowance', () => {
    const used: UsedAllowance = { minutes: 10, sms: 2, dataMb: 100 };
    const records = generateDay(SEED, line(HOMEBODY, SMART), '2026-11-04', used); // a Wednesday
    const s = summarize(records);
    expect(s.minutes + s.sms + s.dataMb).toBeGreaterThan(0);
    expect(used).toEqual({ minutes: 10 + s.minutes, sms: 2 + s.sms, dataMb: 100 + s.dataMb });
  });

  it('leaves the allowance alone for roaming paid apart, and uses it when roaming is included', () => {
    const apart = period(line(TRAVELLER, SMART));
    const t = total(apart.byDay.map(summarize));
    expect(t.roamingMinutes).toBeGreaterThan(0);
    expect(t.roamingMb).toBeGreaterThan(0);
    expect(apart.used).toEqual({ minutes: t.minutes, sms: t.sms, dataMb: t.dataMb });

    const included = period(line(TRAVELLER, { ...SMART, roamingIncluded: true }));
    expect(included.used).toEqual({
      minutes: t.minutes + t.roamingMinutes,
      sms: t.sms,
      dataMb: t.dataMb + t.roamingMb,
    });
  });
});

describe('summarize', () => {
  it('totals equal the sums over the records', () => {
    const { records } = period(line(TRAVELLER, SMART));
    const s = summarize(records);
    const calls = records.filter((r) => r.kind === 'call');
    const roaming = records.filter((r) => r.kind === 'roaming');
    expect(s).toEqual({
      records: records.length,
      calls: calls.length,
      minutes: calls.filter((r) => r.direction === 'out').reduce((n, r) => n + Math.ceil(r.seconds / 60), 0),
      sms: records.filter((r) => r.kind === 'sms' && r.direction === 'out').length,
      dataMb: records.filter((r) => r.kind === 'data').reduce((n, r) => n + Math.ceil(r.bytes / MB), 0),
      bytes: records.reduce((n, r) => n + r.bytes, 0),
      roamingMinutes: roaming.filter((r) => r.seconds > 0).reduce((n, r) => n + Math.ceil(r.seconds / 60), 0),
      roamingMb: roaming.filter((r) => r.seconds === 0).reduce((n, r) => n + Math.ceil(r.bytes / MB), 0),
      cost: records.reduce((n, r) => n + r.cost, 0),
    });
    // the premises: every kind occurs, incoming calls and SMS too
    expect(s.calls).toBeGreaterThan(0);
    expect(calls.some((r) => r.direction === 'in')).toBe(true);
    expect(records.some((r) => r.kind === 'sms' && r.direction === 'in')).toBe(true);
    expect(s.roamingMinutes).toBeGreaterThan(0);
    expect(s.roamingMb).toBeGreaterThan(0);
  });

  it('adds up day summaries to the summary of all the records', () => {
    const { byDay, records } = period(line(TRAVELLER, SMART));
    expect(total(byDay.map(summarize))).toEqual(summarize(records));
  });

  it('is all zeros for no records', () => {
    expect(summarize([])).toEqual({
      records: 0,
      minutes: 0,
      calls: 0,
      sms: 0,
      dataMb: 0,
      bytes: 0,
      roamingMinutes: 0,
      roamingMb: 0,
      cost: 0,
    });
  });
});

describe('record prices', () => {
  it('are 0 for every domestic record on an unlimited allowance', () => {
    const { records } = period(line(TRAVELLER, UNLIMITED));
    const domestic = records.filter((r) => r.kind !== 'roaming');
    expect(domestic.length).toBeGreaterThan(100);
    for (const r of domestic) expect(r.cost).toBe(0);
  });

  it('charge roaming at roaming rates even on an unlimited allowance', () => {
    const { records } = period(line(TRAVELLER, UNLIMITED));
    const roaming = records.filter((r) => r.kind === 'roaming');
    expect(roaming.some((r) => r.seconds > 0)).toBe(true);
    expect(roaming.some((r) => r.bytes > 0)).toBe(true);
    for (const r of roaming) {
      expect(r.cost).toBe(
        r.seconds > 0
          ? Math.ceil(r.seconds / 60) * RATES.roamingMinute
          : Math.ceil(r.bytes / MB) * RATES.roamingMegabyte,
      );
    }
  });

  it('are 0 for roaming included in an unlimited allowance', () => {
    const { records } = period(line(TRAVELLER, { ...UNLIMITED, roamingIncluded: true }));
    expect(records.some((r) => r.kind === 'roaming')).toBe(true);
    for (const r of records) expect(r.cost).toBe(0);
  });

  it('charge an outgoing call on a zero allowance ceil(seconds / 60) × 2.50, an incoming one nothing', () => {
    const { records } = period(line(HOMEBODY, NOTHING_INCLUDED), PERIOD_START, 7);
    const calls = records.filter((r) => r.kind === 'call');
    expect(calls.some((r) => r.direction === 'out')).toBe(true);
    expect(calls.some((r) => r.direction === 'in')).toBe(true);
    // a call of 61 s must cost two minutes: make sure some call is not a whole number of minutes
    expect(calls.some((r) => r.direction === 'out' && r.seconds % 60 !== 0)).toBe(true);
    for (const r of calls) {
      expect(r.cost).toBe(r.direction === 'out' ? Math.ceil(r.seconds / 60) * RATES.minute : 0);
    }
  });

  it('charge every data session on a zero data allowance ceil(MB) × 0.15', () => {
    const { records } = period(line(HOMEBODY, NOTHING_INCLUDED), PERIOD_START, 7);
    const sessions = records.filter((r) => r.kind === 'data');
    expect(sessions.length).toBeGreaterThan(0);
    for (const r of sessions) expect(r.cost).toBe(Math.ceil(r.bytes / MB) * RATES.megabyte);
  });

  it('start charging calls once the minutes run out mid-period', () => {
    const { records } = period(line(HOMEBODY, { minutes: 60, sms: 100, dataMb: 10240 }));
    const out = records.filter((r) => r.kind === 'call' && r.direction === 'out');
    const firstPaid = out.findIndex((r) => r.cost > 0);
    expect(firstPaid).toBeGreaterThan(0); // some calls were free...
    expect(out.slice(0, firstPaid).every((r) => r.cost === 0)).toBe(true);
    // ...and every call after the allowance ran out is paid in full
    for (const r of out.slice(firstPaid + 1)) expect(r.cost).toBe(Math.ceil(r.seconds / 60) * RATES.minute);
    // the call that crossed the limit pays only for the minutes beyond it
    const before = out.slice(0, firstPaid).reduce((n, r) => n + Math.ceil(r.seconds / 60), 0);
    const crossing = out[firstPaid] as CdrRecord;
    expect(crossing.cost).toBe((before + Math.ceil(crossing.seconds / 60) - 60) * RATES.minute);
  });

  describe.each<[string, Allowance, (t: DaySummary, a: Allowance) => void]>([
    [
      'roaming paid apart',
      { minutes: 300, sms: 10, dataMb: 2000 },
      (t, a) => {
        expect(t.minutes).toBeGreaterThan(a.minutes);
        expect(t.sms).toBeGreaterThan(a.sms);
        expect(t.dataMb).toBeGreaterThan(a.dataMb);
      },
    ],
    [
      'roaming included',
      // domestic use alone fits the minutes and megabytes; roaming pushes it over
      { minutes: 500, sms: 10, dataMb: 7650, roamingIncluded: true },
      (t, a) => {
        expect(t.minutes).toBeLessThan(a.minutes);
        expect(t.minutes + t.roamingMinutes).toBeGreaterThan(a.minutes);
        expect(t.dataMb).toBeLessThan(a.dataMb);
        expect(t.dataMb + t.roamingMb).toBeGreaterThan(a.dataMb);
        expect(t.sms).toBeGreaterThan(a.sms);
      },
    ],
  ])('over a whole period with %s', (_name, allowance, premise) => {
    const { byDay, records } = period(line(TRAVELLER, allowance));
    const t = total(byDay.map(summarize));

    it('runs out of the allowance mid-period and roams (the premise)', () => {
      premise(t, allowance);
      expect(t.roamingMinutes).toBeGreaterThan(0);
      expect(t.roamingMb).toBeGreaterThan(0);
      expect(records.some((r) => r.kind === 'call' && r.direction === 'out' && r.cost === 0)).toBe(true);
      expect(records.some((r) => r.kind === 'call' && r.direction === 'out' && r.cost > 0)).toBe(true);
    });

    it('prices the records to exactly periodCost minus the monthly fee', () => {
      const monthlyFee = 50000;
      const expected =
        periodCost(
          { ...allowance, monthlyFee },
          {
            minutes: t.minutes,
            sms: t.sms,
            dataMb: t.dataMb,
            roamingMinutes: t.roamingMinutes,
            roamingMb: t.roamingMb,
          },
        ) - monthlyFee;
      expect(expected).toBeGreaterThan(0);
      expect(t.cost).toBe(expected);
      expect(records.reduce((n, r) => n + r.cost, 0)).toBe(expected);
    });
  });
});

describe('summarizeDay', () => {
  const allowances = [
    { minutes: 500, sms: 100, dataMb: 10_000, roamingIncluded: false },
    { minutes: 0, sms: 0, dataMb: 30_000, roamingIncluded: false },
    { minutes: 100, sms: 10, dataMb: 500, roamingIncluded: true },
    { minutes: -1, sms: -1, dataMb: -1, roamingIncluded: true },
  ];
  it('gives the totals and the allowance left of summarize(generateDay(...)) for 12,000 line-days', () => {
    let travellersAbroad = 0;
    for (let i = 0; i < 400; i++) {
      const line = {
        msisdn: `+7916${String(1_000_000 + i * 7)}`,
        region: ['MOW', 'SPE', 'XXX'][i % 3] as string,
        allowance: allowances[i % 4] as (typeof allowances)[number],
      };
      const viaRecords = { minutes: i % 50, sms: i % 3, dataMb: i % 700 };
      const viaSummary = { ...viaRecords };
      for (let d = 1; d <= 30; d++) {
        const day = `2026-09-${String(d).padStart(2, '0')}`;
        const seed = 42 + (i % 3);
        const expected = summarize(generateDay(seed, line, day, viaRecords));
        expect(summarizeDay(seed, line, day, viaSummary)).toEqual(expected);
        expect(viaSummary).toEqual(viaRecords);
        if (expected.roamingMb > 0) travellersAbroad++;
      }
    }
    // The sample reaches the roaming branches, or it would prove little.
    expect(travellersAbroad).toBeGreaterThan(0);
  });

  it('keeps nothing of one line or seed for the next when they alternate day by day', () => {
    const lines = [TRAVELLER, HOMEBODY, '+79160000077'].map((msisdn, i) => ({
      msisdn,
      region: 'MOW',
      allowance: allowances[i] as (typeof allowances)[number],
    }));
    const viaRecords = lines.map(() => fresh());
    const viaSummary = lines.map(() => fresh());
    for (let d = 0; d < 30; d++) {
      const day = addDays(PERIOD_START, d);
      for (let i = 0; i < lines.length; i++) {
        for (const seed of [SEED, SEED + 1]) {
          const expected = summarize(
            generateDay(seed, lines[i] as CdrLine, day, viaRecords[i] as UsedAllowance),
          );
          expect(summarizeDay(seed, lines[i] as CdrLine, day, viaSummary[i] as UsedAllowance)).toEqual(
            expected,
          );
        }
      }
    }
    expect(viaSummary).toEqual(viaRecords);
  });
});
