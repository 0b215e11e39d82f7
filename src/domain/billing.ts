/**
 * Billing periods and tariff prices: pure date and money arithmetic shared by the backend's billing,
 * its reports and the CDR generator. Days are UTC `YYYY-MM-DD` strings; money is integer kopecks.
 */

/** Prices of usage beyond a tariff's allowance (kopecks). Roaming is never in the allowance except on ROAMING_PRO. */
export const RATES = {
  /** Per started minute of an outgoing call beyond the allowance. */
  minute: 250,
  /** Per outgoing SMS beyond the allowance. */
  sms: 350,
  /** Per started megabyte beyond the allowance. */
  megabyte: 15,
  /** Per started minute of a call abroad (either direction). */
  roamingMinute: 4900,
  /** Per started megabyte abroad. */
  roamingMegabyte: 1500,
} as const;

/** What a tariff includes per billing period; -1 = unlimited. */
export interface Allowance {
  minutes: number;
  sms: number;
  dataMb: number;
  /** Roaming counts against the allowance instead of being paid apart. */
  roamingIncluded?: boolean;
}

/** Usage over a billing period, as the tariff sees it. */
export interface PeriodUsage {
  /** Outgoing domestic call seconds, each call rounded up to whole minutes. */
  minutes: number;
  sms: number;
  /** Domestic data, each session rounded up to whole megabytes. */
  dataMb: number;
  roamingMinutes: number;
  roamingMb: number;
}

export const MB = 1024 * 1024;

/** Adds `n` days to a day. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** The day of a time. */
export function dayOf(time: Date | string): string {
  return (typeof time === 'string' ? new Date(time) : time).toISOString().slice(0, 10);
}

/** The billing period holding `day` for an account billed on `billingDay` (1–28): [start, end). */
export function periodOf(day: string, billingDay: number): { start: string; end: string } {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const startMonth = d >= billingDay ? m - 1 : m - 2; // 0-based month of the start
  const start = new Date(Date.UTC(y, startMonth, billingDay)).toISOString().slice(0, 10);
  const end = new Date(Date.UTC(y, startMonth + 1, billingDay)).toISOString().slice(0, 10);
  return { start, end };
}

/** A calendar month `YYYY-MM` as days [start, end). */
export function monthRange(month: string): { start: string; end: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return {
    start: new Date(Date.UTC(y, m - 1, 1)).toISOString().slice(0, 10),
    end: new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10),
  };
}

/** What `usage` would cost on a tariff over one period: the monthly fee plus everything beyond the allowance. */
export function periodCost(tariff: Allowance & { monthlyFee: number }, usage: PeriodUsage): number {
  const over = (used: number, included: number) => (included < 0 ? 0 : Math.max(0, used - included));
  let cost =
    tariff.monthlyFee +
    over(usage.minutes, tariff.minutes) * RATES.minute +
    over(usage.sms, tariff.sms) * RATES.sms +
    over(usage.dataMb, tariff.dataMb) * RATES.megabyte;
  if (tariff.roamingIncluded) {
    cost +=
      over(usage.minutes + usage.roamingMinutes, tariff.minutes) * RATES.minute -
      over(usage.minutes, tariff.minutes) * RATES.minute +
      (over(usage.dataMb + usage.roamingMb, tariff.dataMb) - over(usage.dataMb, tariff.dataMb)) *
        RATES.megabyte;
  } else {
    cost += usage.roamingMinutes * RATES.roamingMinute + usage.roamingMb * RATES.roamingMegabyte;
  }
  return cost;
}

/** The report types of `vm report` and `GET /v1/reports/{type}`. */
export const REPORT_TYPES = [
  'expenses',
  'usage',
  'inventory',
  'blocked',
  'limits',
  'activity',
  'tariff-optimization',
] as const;
/** One report type. */
export type ReportType = (typeof REPORT_TYPES)[number];
