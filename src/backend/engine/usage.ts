import { addDays, periodOf, type Allowance } from '../../domain/billing.js';
import {
  generateDay,
  summarize,
  summarizeDay,
  type CdrLine,
  type CdrRecord,
  type UsedAllowance,
} from '../../domain/cdr.js';
import type { BillingLine, UsageDay, UsageEnd, UsageRun, UsageWriter } from '../store/billing-repo.js';
import type { Store } from '../store/store.js';

/**
 * A line's usage day by day. Days from the start of billing on are closed by billing when they end
 * (the records priced against the allowance left, the cost charged). Days before are history that no one
 * was charged for: generated on first need, in order from the start of their period so the allowance
 * carries over the same way. Records themselves are stored only when someone reads them.
 */
export class Usage {
  constructor(
    private readonly store: Store,
    private readonly seed: number,
    /** The first day billing closed (history is before it). */
    readonly billingStart: string,
  ) {}

  private readonly allowances = new Map<string, Allowance>();

  /** The usage of a store whose billing has started (`Billing.init`): its seed and first billed day. */
  static of(store: Store): Usage {
    const start = store.meta('billing.start');
    if (!start) throw new Error('billing is not initialized');
    return new Usage(store, Number(store.meta('seed') ?? 1), start);
  }

  /** A tariff's allowance by code (falls back to nothing included for an unknown code); made once a code. */
  allowance(code: string): Allowance {
    let a = this.allowances.get(code);
    if (!a) {
      const t = this.tariffs().get(code);
      a = t
        ? { minutes: t.minutes, sms: t.sms, dataMb: t.dataMb, roamingIncluded: t.roamingIncluded }
        : { minutes: 0, sms: 0, dataMb: 0 };
      this.allowances.set(code, a);
    }
    return a;
  }

  private tariffCache?: Map<
    string,
    { minutes: number; sms: number; dataMb: number; roamingIncluded: boolean }
  >;
  private tariffs() {
    this.tariffCache ??= new Map(this.store.catalog.tariffs().map((t) => [t.code, t]));
    return this.tariffCache;
  }

  /** Generates and stores `day` for a line at its close; returns the stored day (undefined if already closed). */
  closeDay(line: BillingLine, day: string): UsageDay | undefined {
    const period = periodOf(day, line.billingDay);
    const from = period.start > this.billingStart ? period.start : this.billingStart;
    const prev = this.store.billing.lastUsage(line.msisdn, from, day);
    const used = prev ? endOf(prev) : zero();
    const cdrLine = { msisdn: line.msisdn, region: line.region, allowance: this.allowance(line.tariff) };
    const { usage } = this.make(line, cdrLine, day, used, false);
    return this.store.billing.insertUsage(usage) ? usage : undefined;
  }

  /**
   * Makes sure the history days of a line in [from, to) exist (days before billing started, after the
   * line's activation and before any block it had then), from `periodStart` (of the period holding
   * `from`) on, given the line's stored days from there as runs; new days go to `writer`. With
   * `withRecords`, the records of new days in [from, to) are stored too (an export about to read them),
   * saving the second generation `materialize` would make.
   */
  private fillHistory(
    line: BillingLine,
    periodStart: string,
    from: string,
    to: string,
    stored: UsageRun[],
    withRecords: boolean,
    writer: UsageWriter,
  ): void {
    const activated = line.activatedAt.slice(0, 10);
    const end = to < this.billingStart ? to : this.billingStart;
    if (from >= end) return;
    const start = periodStart < activated ? activated : periodStart;
    const blocked = line.blockedSince?.slice(0, 10);
    const { days, dayOfMonth } = dayList(start, end);
    const cdrLine = { msisdn: line.msisdn, region: line.region, allowance: this.allowance(line.tariff) };
    let used = zero();
    let run = 0;
    for (let i = 0; i < days.length; i++) {
      const day = days[i] as string;
      if (blocked && day >= blocked) break;
      if (dayOfMonth[i] === line.billingDay) used = zero();
      while (run < stored.length && (stored[run] as UsageRun).day < day) run++;
      const known = stored[run];
      if (known && known.first <= day) {
        // Stored already, to the run's last day: the allowance goes on from where that day left it.
        while (i + 1 < days.length && (days[i + 1] as string) <= known.day) i++;
        used = endOf(known);
        continue;
      }
      const keep = withRecords && day >= from;
      const { usage: u, records } = this.make(line, cdrLine, day, used, keep);
      u.materialized = keep ? 1 : 0;
      writer.add(u);
      if (records) this.store.billing.insertCdr(line.msisdn, day, records, false);
      used = endOf(u);
    }
  }

  /**
   * Makes sure the history days of these lines in [from, to) exist (see fillHistory); their stored
   * days come in one query. Call inside a transaction (a few hundred lines at a time).
   */
  ensureHistoryFor(lines: BillingLine[], from: string, to: string, withRecords = false): void {
    if (from >= this.billingStart || lines.length === 0) return;
    // The start of the period holding `from`, per billing day (a few for any number of lines).
    const periodStarts = new Map<number, string>();
    let earliest = from;
    for (const l of lines) {
      if (periodStarts.has(l.billingDay)) continue;
      const start = periodOf(from, l.billingDay).start;
      periodStarts.set(l.billingDay, start);
      if (start < earliest) earliest = start;
    }
    const stored = this.store.billing.usageRuns(
      lines.map((l) => l.msisdn),
      earliest,
      to,
    );
    const writer = this.store.billing.usageWriter();
    for (const line of lines) {
      const periodStart = periodStarts.get(line.billingDay) as string;
      this.fillHistory(line, periodStart, from, to, stored.get(line.msisdn) ?? [], withRecords, writer);
    }
    writer.flush();
  }

  /** Stores the records of a usage day (regenerated from its starting allowance) if not stored yet. */
  materialize(line: BillingLine, u: UsageDay): void {
    if (u.materialized) return;
    const used = { minutes: u.usedMinutes, sms: u.usedSms, dataMb: u.usedMb };
    const records = generateDay(
      this.seed,
      { msisdn: line.msisdn, region: line.region, allowance: this.allowance(u.tariff) },
      u.day,
      used,
    );
    this.store.billing.insertCdr(line.msisdn, u.day, records);
  }

  /** A usage day; its records too when they are to be stored (else only the totals, made without them). */
  private make(
    line: BillingLine,
    cdrLine: CdrLine,
    day: string,
    start: UsedAllowance,
    withRecords: boolean,
  ): { usage: UsageDay; records: CdrRecord[] | undefined } {
    const used = { ...start };
    const records = withRecords ? generateDay(this.seed, cdrLine, day, used) : undefined;
    const s = records ? summarize(records) : summarizeDay(this.seed, cdrLine, day, used);
    const usage: UsageDay = {
      msisdn: line.msisdn,
      day,
      accountId: line.accountId,
      tariff: line.tariff,
      usedMinutes: start.minutes,
      usedSms: start.sms,
      usedMb: start.dataMb,
      endMinutes: used.minutes,
      endSms: used.sms,
      endMb: used.dataMb,
      records: s.records,
      minutes: s.minutes,
      calls: s.calls,
      sms: s.sms,
      dataMb: s.dataMb,
      bytes: s.bytes,
      roamingMinutes: s.roamingMinutes,
      roamingMb: s.roamingMb,
      cost: s.cost,
      materialized: 0,
    };
    return { usage, records };
  }
}

const dayLists = new Map<string, { days: string[]; dayOfMonth: Uint8Array }>();

/** The days in [start, end) and their days of the month, cached: history checks walk the same month for every line. */
function dayList(start: string, end: string): { days: string[]; dayOfMonth: Uint8Array } {
  const key = `${start}|${end}`;
  let list = dayLists.get(key);
  if (!list) {
    const days: string[] = [];
    for (let d = start; d < end; d = addDays(d, 1)) days.push(d);
    list = { days, dayOfMonth: Uint8Array.from(days, (d) => Number(d.slice(8, 10))) };
    if (dayLists.size > 1000) dayLists.clear();
    dayLists.set(key, list);
  }
  return list;
}

function zero(): UsedAllowance {
  return { minutes: 0, sms: 0, dataMb: 0 };
}

function endOf(u: UsageEnd): UsedAllowance {
  return { minutes: u.endMinutes, sms: u.endSms, dataMb: u.endMb };
}
