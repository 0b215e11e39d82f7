import {
  addDays,
  dayOf,
  daysBetween,
  monthRange,
  periodCost,
  periodOf,
  RATES,
  type Allowance,
  type PeriodUsage,
} from '../../src/domain/billing.js';

const NO_USAGE: PeriodUsage = { minutes: 0, sms: 0, dataMb: 0, roamingMinutes: 0, roamingMb: 0 };

function usage(u: Partial<PeriodUsage>): PeriodUsage {
  return { ...NO_USAGE, ...u };
}

describe('addDays', () => {
  it.each<[string, number, string]>([
    ['2026-11-04', 0, '2026-11-04'],
    ['2026-11-04', 1, '2026-11-05'],
    ['2026-01-31', 1, '2026-02-01'],
    ['2026-02-28', 1, '2026-03-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2027-01-01', -1, '2026-12-31'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-10-05', 30, '2026-11-04'],
    ['2026-03-28', 3, '2026-03-31'], // across the European DST switch: UTC days have no gap
    ['2026-01-01', 365, '2027-01-01'],
  ])('%s + %d days is %s', (day, n, expected) => {
    expect(addDays(day, n)).toBe(expected);
  });
});

describe('daysBetween', () => {
  it.each<[string, string, number]>([
    ['2026-11-04', '2026-11-04', 0],
    ['2026-11-04', '2026-11-05', 1],
    ['2026-11-05', '2026-11-04', -1],
    ['2026-10-05', '2026-11-05', 31],
    ['2026-02-05', '2026-03-05', 28],
    ['2024-02-05', '2024-03-05', 29],
    ['2026-01-01', '2027-01-01', 365],
    ['2024-01-01', '2025-01-01', 366],
    ['2026-03-28', '2026-03-31', 3],
  ])('from %s to %s is %d', (a, b, expected) => {
    expect(daysBetween(a, b)).toBe(expected);
  });

  it('is the inverse of addDays', () => {
    for (const n of [-400, -31, -1, 0, 1, 29, 59, 366, 1000]) {
      expect(daysBetween('2026-02-14', addDays('2026-02-14', n))).toBe(n);
    }
  });
});

describe('dayOf', () => {
  it('takes the UTC day of a Date', () => {
    expect(dayOf(new Date('2026-11-04T00:00:00.000Z'))).toBe('2026-11-04');
    expect(dayOf(new Date('2026-11-04T23:59:59.999Z'))).toBe('2026-11-04');
  });

  it('takes the UTC day of an ISO string with an offset', () => {
    expect(dayOf('2026-11-04T23:30:00-03:00')).toBe('2026-11-05');
    expect(dayOf('2026-11-05T01:00:00+03:00')).toBe('2026-11-04');
    expect(dayOf('2026-12-31T22:00:00Z')).toBe('2026-12-31');
  });
});

describe('periodOf', () => {
  it.each<[string, number, string, string]>([
    ['2026-11-04', 5, '2026-10-05', '2026-11-05'],
    ['2026-11-05', 5, '2026-11-05', '2026-12-05'],
    ['2026-11-30', 5, '2026-11-05', '2026-12-05'],
    // January before the billing day starts in December of the year before
    ['2026-01-04', 5, '2025-12-05', '2026-01-05'],
    ['2026-01-05', 5, '2026-01-05', '2026-02-05'],
    // December on or after the billing day ends in January of the next year
    ['2026-12-05', 5, '2026-12-05', '2027-01-05'],
    ['2026-12-31', 28, '2026-12-28', '2027-01-28'],
    ['2026-12-27', 28, '2026-11-28', '2026-12-28'],
    // billing day 1: periods are calendar months
    ['2026-01-01', 1, '2026-01-01', '2026-02-01'],
    ['2026-12-31', 1, '2026-12-01', '2027-01-01'],
    ['2026-03-01', 1, '2026-03-01', '2026-04-01'],
    // billing day 28 through February
    ['2026-03-01', 28, '2026-02-28', '2026-03-28'],
    ['2026-02-28', 28, '2026-02-28', '2026-03-28'],
    ['2026-02-27', 28, '2026-01-28', '2026-02-28'],
    ['2024-02-29', 28, '2024-02-28', '2024-03-28'],
  ])('%s with billing day %d is [%s, %s)', (day, billingDay, start, end) => {
    expect(periodOf(day, billingDay)).toEqual({ start, end });
  });

  it('holds every day of two years for every billing day 1–28, starting on the billing day', () => {
    const wrong: string[] = []; // one expect per case would take seconds
    const monthIndex = (day: string) => Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7));
    for (let billingDay = 1; billingDay <= 28; billingDay++) {
      for (let day = '2025-12-01'; day < '2028-01-01'; day = addDays(day, 1)) {
        const { start, end } = periodOf(day, billingDay);
        const ok =
          start <= day &&
          day < end &&
          Number(start.slice(8)) === billingDay &&
          Number(end.slice(8)) === billingDay &&
          monthIndex(end) - monthIndex(start) === 1;
        if (!ok) wrong.push(`${day}/${billingDay} → [${start}, ${end})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('gives the next period right at the end of the previous one', () => {
    const p = periodOf('2026-11-04', 5);
    expect(periodOf(p.end, 5).start).toBe(p.end);
    expect(periodOf(addDays(p.start, -1), 5).end).toBe(p.start);
  });
});

describe('monthRange', () => {
  it.each<[string, string, string]>([
    ['2026-01', '2026-01-01', '2026-02-01'],
    ['2026-02', '2026-02-01', '2026-03-01'],
    ['2024-02', '2024-02-01', '2024-03-01'],
    ['2026-11', '2026-11-01', '2026-12-01'],
    ['2026-12', '2026-12-01', '2027-01-01'],
  ])('%s is [%s, %s)', (month, start, end) => {
    expect(monthRange(month)).toEqual({ start, end });
  });

  it('has as many days as the month', () => {
    expect(daysBetween(monthRange('2024-02').start, monthRange('2024-02').end)).toBe(29);
    expect(daysBetween(monthRange('2026-02').start, monthRange('2026-02').end)).toBe(28);
    expect(daysBetween(monthRange('2026-12').start, monthRange('2026-12').end)).toBe(31);
  });
});

describe('RATES', () => {
  it('are the published prices in kopecks', () => {
    expect(RATES).toEqual({
      minute: 250,
      sms: 350,
      megabyte: 15,
      roamingMinute: 4900,
      roamingMegabyte: 1500,
    });
  });
});

describe('periodCost', () => {
  const SMART: Allowance & { monthlyFee: number } = {
    monthlyFee: 50000,
    minutes: 300,
    sms: 100,
    dataMb: 10240,
  };

  it('is the monthly fee alone when nothing was used', () => {
    expect(periodCost(SMART, NO_USAGE)).toBe(50000);
  });

  it('is the monthly fee alone when usage is exactly the allowance', () => {
    expect(periodCost(SMART, usage({ minutes: 300, sms: 100, dataMb: 10240 }))).toBe(50000);
  });

  it('charges each minute beyond the allowance at 2.50', () => {
    // 310 − 300 = 10 minutes × 250
    expect(periodCost(SMART, usage({ minutes: 310 }))).toBe(50000 + 2500);
  });

  it('charges each SMS beyond the allowance at 3.50', () => {
    // 103 − 100 = 3 × 350
    expect(periodCost(SMART, usage({ sms: 103 }))).toBe(50000 + 1050);
  });

  it('charges each megabyte beyond the allowance at 0.15', () => {
    // 10245 − 10240 = 5 × 15
    expect(periodCost(SMART, usage({ dataMb: 10245 }))).toBe(50000 + 75);
  });

  it('adds every overage together', () => {
    // 2500 + 1050 + 75
    expect(periodCost(SMART, usage({ minutes: 310, sms: 103, dataMb: 10245 }))).toBe(53625);
  });

  it('charges roaming apart at roaming rates even when the allowance is untouched', () => {
    // 3 × 4900 + 2 × 1500 = 14700 + 3000
    expect(periodCost(SMART, usage({ roamingMinutes: 3, roamingMb: 2 }))).toBe(50000 + 17700);
  });

  it('charges roaming apart on top of domestic overage', () => {
    // domestic: 10 × 250 = 2500; roaming: 1 × 4900 + 10 × 1500 = 19900
    expect(periodCost(SMART, usage({ minutes: 310, roamingMinutes: 1, roamingMb: 10 }))).toBe(
      50000 + 2500 + 19900,
    );
  });

  it('never charges beyond an unlimited (-1) allowance, but still charges roaming', () => {
    const UNLIMITED = { monthlyFee: 200000, minutes: -1, sms: -1, dataMb: -1 };
    expect(periodCost(UNLIMITED, usage({ minutes: 99999, sms: 99999, dataMb: 9999999 }))).toBe(200000);
    expect(periodCost(UNLIMITED, usage({ minutes: 99999, roamingMinutes: 1 }))).toBe(200000 + 4900);
  });

  it('charges everything on a zero allowance', () => {
    const ZERO = { monthlyFee: 0, minutes: 0, sms: 0, dataMb: 0 };
    // 7 × 250 + 2 × 350 + 100 × 15 = 1750 + 700 + 1500
    expect(periodCost(ZERO, usage({ minutes: 7, sms: 2, dataMb: 100 }))).toBe(3950);
  });

  it('treats roamingIncluded: false like no flag', () => {
    const u = usage({ minutes: 310, roamingMinutes: 4, roamingMb: 3 });
    expect(periodCost({ ...SMART, roamingIncluded: false }, u)).toBe(periodCost(SMART, u));
    // 2500 + 4 × 4900 + 3 × 1500
    expect(periodCost(SMART, u)).toBe(50000 + 2500 + 19600 + 4500);
  });

  describe('with roaming included', () => {
    const PRO: Allowance & { monthlyFee: number } = {
      monthlyFee: 150000,
      minutes: 500,
      sms: 100,
      dataMb: 20480,
      roamingIncluded: true,
    };

    it('counts roaming minutes against the allowance, free while it lasts', () => {
      // 450 + 40 = 490 ≤ 500
      expect(periodCost(PRO, usage({ minutes: 450, roamingMinutes: 40 }))).toBe(150000);
    });

    it('charges roaming minutes that push past the allowance at the domestic rate', () => {
      // 450 + 70 = 520 → 20 × 250
      expect(periodCost(PRO, usage({ minutes: 450, roamingMinutes: 70 }))).toBe(150000 + 5000);
    });

    it('charges all roaming minutes at the domestic rate once domestic use alone is over', () => {
      // 510 + 30 = 540 → 40 × 250
      expect(periodCost(PRO, usage({ minutes: 510, roamingMinutes: 30 }))).toBe(150000 + 10000);
    });

    it('counts roaming megabytes against the data allowance', () => {
      // 20000 + 1000 = 21000 → 520 × 15
      expect(periodCost(PRO, usage({ dataMb: 20000, roamingMb: 1000 }))).toBe(150000 + 7800);
      // 20000 + 480 = 20480 → nothing over
      expect(periodCost(PRO, usage({ dataMb: 20000, roamingMb: 480 }))).toBe(150000);
    });

    it('never uses the roaming rates', () => {
      expect(periodCost(PRO, usage({ roamingMinutes: 100, roamingMb: 1000 }))).toBe(150000);
    });

    it('adds SMS overage as usual', () => {
      // SMS: 2 × 350; minutes: (500 + 10 − 500) × 250; data: (20480 + 7 − 20480) × 15
      expect(
        periodCost(PRO, usage({ sms: 102, minutes: 500, roamingMinutes: 10, roamingMb: 7, dataMb: 20480 })),
      ).toBe(150000 + 700 + 2500 + 105);
    });

    it('charges nothing for roaming on an unlimited allowance', () => {
      const UNLIMITED_PRO = { monthlyFee: 300000, minutes: -1, sms: -1, dataMb: -1, roamingIncluded: true };
      expect(periodCost(UNLIMITED_PRO, usage({ minutes: 5000, roamingMinutes: 500, roamingMb: 9999 }))).toBe(
        300000,
      );
    });
  });
});

describe('SliceSize', () => {
  it('shrinks at once past its budget and grows by half at most under it', async () => {
    const { SliceSize } = await import('../../src/backend/engine/slice-size.js');
    const slice = new SliceSize({ budgetMs: 10, min: 5, max: 1000, start: 20 });
    slice.took(20, 1); // very cheap: may grow, but only to 30
    expect(slice.size).toBe(30);
    slice.took(30, 60); // 2 ms an item: 5 fit in 10 ms
    expect(slice.size).toBe(5);
    slice.took(5, 500); // far over: never below the minimum
    expect(slice.size).toBe(5);
    for (let i = 0; i < 40; i++) slice.took(slice.size, 0.001);
    expect(slice.size).toBe(1000);
  });
});
