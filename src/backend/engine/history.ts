import { addDays, daysBetween } from '../../domain/billing.js';
import type { BillingLine } from '../store/billing-repo.js';
import type { Store } from '../store/store.js';
import { SliceSize, since } from './slice-size.js';
import type { Usage } from './usage.js';

/** Calendar months of history before billing started that a backend keeps (tariff optimization reads 3). */
export const HISTORY_MONTHS = 3;
/**
 * How far back a report may make the backend keep history: 13 calendar months before billing started (a
 * year to compare with). Without a bound, one report over 1900 had the backfill walk 127 years and
 * could have stored every line's days since its activation: gigabytes, on anyone's request.
 */
export const MAX_HISTORY_MONTHS = 13;
/**
 * Lines per slice: one short transaction of about 10 ms (a line's month is ~30 to 60 days to make), so a
 * request or a scheduled operation never waits long behind it.
 */
const SLICE = { budgetMs: 10, min: 5, max: 1000, start: 20 };

/** Where the backfill stands, as `GET /v1/status` shows it. */
export interface HistoryStatus {
  /** The first day history is kept from. */
  from: string;
  /** The first day every line's history is stored from (`billingStart` before any is). */
  backfilledFrom: string;
  /** The day billing started: history is the days before it. */
  billingStart: string;
  complete: boolean;
}

interface Cursor {
  /** The month being filled: [start, end). */
  start: string;
  end: string;
  /** The last line done in it. */
  after: string;
}

/**
 * The usage history of the days before the backend first started (when billing began), stored once as
 * daily rows so reports add them up with SQL instead of generating them on each request. Filled in the
 * background after start, newest month first, in slices of a few lines, each slice one transaction with
 * its cursor (`history.*` in meta): a restart resumes where it stopped, and a day already stored is
 * never made again (so nothing is counted twice). A report asking for older days moves `from` back.
 */
export class HistoryBackfill {
  private readonly slice: SliceSize;
  /** Set when a thread of its own does the work (history-thread.ts): `step` here only reports. */
  private elsewhere = false;

  constructor(
    private readonly store: Store,
    private readonly usage: Usage,
    opts: { budgetMs?: number } = {},
  ) {
    this.slice = new SliceSize({ ...SLICE, budgetMs: opts.budgetMs ?? SLICE.budgetMs });
    if (!store.meta('history.from')) {
      store.transaction(() => {
        store.setMeta('history.from', this.monthsBefore(HISTORY_MONTHS));
        store.setMeta('history.backfilledFrom', usage.billingStart);
      });
    }
  }

  status(): HistoryStatus {
    const from = this.store.meta('history.from') as string;
    const backfilledFrom = this.store.meta('history.backfilledFrom') as string;
    return { from, backfilledFrom, billingStart: this.usage.billingStart, complete: backfilledFrom <= from };
  }

  /** True when every line's history from `day` on is stored (days from billing start on are billing's). */
  covers(day: string): boolean {
    return day >= this.usage.billingStart || this.status().backfilledFrom <= day;
  }

  /** The first day a report may ask history for (MAX_HISTORY_MONTHS before billing started). */
  earliest(): string {
    return this.monthsBefore(MAX_HISTORY_MONTHS);
  }

  /** The first day of the calendar month `months` before the month billing started in. */
  private monthsBefore(months: number): string {
    let from = `${this.usage.billingStart.slice(0, 7)}-01`;
    for (let i = 0; i < months; i++) from = `${addDays(from, -1).slice(0, 7)}-01`;
    return from;
  }

  /** Keeps history from `day` on as well (a report over an older period asked for it). */
  extendTo(day: string): void {
    const status = this.status();
    if (day < status.from) this.store.setMeta('history.from', day);
  }

  /** Days still to fill down to `day`, and how many that is in all: a waiting report's progress. */
  progressTo(day: string): { done: number; total: number } {
    const { backfilledFrom, billingStart } = this.status();
    const total = Math.max(0, daysBetween(day, billingStart));
    const done = Math.min(total, Math.max(0, daysBetween(backfilledFrom, billingStart)));
    return { done, total };
  }

  /** Leaves the work to another thread; this object still answers status and progress. */
  runElsewhere(): void {
    this.elsewhere = true;
  }

  /** Takes the work back (the other thread failed). */
  runHere(): void {
    this.elsewhere = false;
  }

  /** One slice of the backfill; false when there is nothing left to do (or another thread does it). */
  step(): boolean {
    if (this.elsewhere) return false;
    const status = this.status();
    if (status.complete) return false;
    const cursor = this.cursor(status);
    const limit = this.slice.size;
    const started = performance.now();
    const lines: BillingLine[] = this.store.billing.lines({ after: cursor.after, limit });
    this.store.transaction(() => {
      if (lines.length > 0) {
        this.usage.ensureHistoryFor(lines, cursor.start, cursor.end);
        const after = (lines[lines.length - 1] as BillingLine).msisdn;
        this.store.setMeta('history.cursor', JSON.stringify({ ...cursor, after }));
      }
      if (lines.length < limit) {
        // The month is done for every line.
        this.store.setMeta('history.backfilledFrom', cursor.start);
        this.store.setMeta('history.cursor', '');
      }
    });
    this.slice.took(lines.length, since(started));
    return true;
  }

  /** The month in progress, or the next one down from what is filled. */
  private cursor(status: HistoryStatus): Cursor {
    const saved = this.store.meta('history.cursor');
    if (saved) return JSON.parse(saved) as Cursor;
    const end = status.backfilledFrom;
    const monthStart = `${addDays(end, -1).slice(0, 7)}-01`;
    return { start: monthStart > status.from ? monthStart : status.from, end, after: '' };
  }
}
