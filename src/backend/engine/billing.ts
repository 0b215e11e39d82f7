import { addDays, dayOf, periodOf } from '../../domain/billing.js';
import type { BillingLine } from '../store/billing-repo.js';
import type { Store } from '../store/store.js';
import { applyAutopay } from './autopay.js';
import { checkLimits } from './limit-checks.js';
import { Usage } from './usage.js';

export { checkLimits } from './limit-checks.js';

/** Lines billed per transaction. */
const CHUNK = 1000;

/** Crossings are kept this many days after their period began (a period is at most 31 days). */
const ALERT_CROSSING_DAYS = 40;
/** Idempotency-Keys of alert requests are kept this many days (a resend comes within minutes). */
const ALERT_REQUEST_DAYS = 7;

/** Where billing stands: the next event and how far through its lines it got. */
interface BillingCursor {
  day: string;
  /** `fees` runs at the start of `day` (accounts billed that day), `usage` at its end (every active line). */
  phase: 'fees' | 'usage';
  after: string;
}

/**
 * Billing by the backend's clock. Each account pays its lines' monthly fees (tariff and services) at the
 * start of its billing day, and the usage of every active line when each day ends, from that day's call
 * detail records. Every charge is recorded exactly once (a unique key per line, kind and period or day),
 * chunk by chunk in transactions with the cursor, so a crash or a restart never charges twice and a
 * clock moved forward catches up event by event. After each chunk, spending limits and alert rules are
 * checked (limit-checks.ts) and autopay tops up accounts that fell below their threshold.
 */
export class Billing {
  readonly usage: Usage;

  constructor(
    private readonly store: Store,
    private readonly newId: () => string,
  ) {
    this.usage = Usage.of(store);
  }

  /**
   * First start: billing begins today. This period's fees were taken before the company came to this
   * backend, so they are recorded (for "charges so far") without being taken from the balance again.
   */
  static init(store: Store, now: Date, seed: number): void {
    if (store.meta('billing.start')) return;
    const today = dayOf(now);
    store.transaction(() => {
      store.setMeta('seed', store.meta('seed') ?? String(seed));
      // In SQL: line by line, the fees of 100,000 lines left ~130 MB of garbage in the heap.
      for (const billingDay of store.billing.billingDays())
        store.billing.recordTakenFees(billingDay, periodOf(today, billingDay).start);
      store.setMeta('billing.start', today);
      store.setMeta('billing.next', JSON.stringify({ day: today, phase: 'usage', after: '' }));
    });
  }

  /** When the next billing event is due, if it is due by `now`. */
  due(now: Date): string | undefined {
    const at = eventTime(this.cursor());
    return at <= now.toISOString() ? at : undefined;
  }

  /** Runs one chunk of the next event (call only when `due`); one transaction. */
  step(): void {
    this.store.transaction(() => {
      const c = this.cursor();
      const time = eventTime(c);
      let next: BillingCursor;
      if (c.phase === 'fees') {
        const billingDay = Number(c.day.slice(8, 10));
        const lines = this.store.billing.lines({
          after: c.after,
          limit: CHUNK,
          billingDay,
          status: 'active',
        });
        if (lines.length === 0) next = { day: c.day, phase: 'usage', after: '' };
        else {
          chargeFees(this.store, lines, c.day);
          this.afterCharges(lines, time, false);
          next = { ...c, after: (lines[lines.length - 1] as BillingLine).msisdn };
        }
      } else {
        const lines = this.store.billing.lines({ after: c.after, limit: CHUNK, status: 'active' });
        if (lines.length === 0) {
          next = { day: addDays(c.day, 1), phase: 'fees', after: '' };
          // A day is closed: crossings of periods that ended long ago and old alert request keys go.
          this.store.limits.pruneAlerts(
            addDays(c.day, -ALERT_CROSSING_DAYS),
            `${addDays(c.day, -ALERT_REQUEST_DAYS)}T00:00:00.000Z`,
          );
        } else {
          const usageTime = `${c.day}T23:59:59.000Z`;
          for (const line of lines) {
            const u = this.usage.closeDay(line, c.day);
            if (u && u.cost > 0)
              this.store.billing.charge({
                time: usageTime,
                accountId: line.accountId,
                msisdn: line.msisdn,
                kind: 'usage',
                ref: c.day,
                amount: u.cost,
              });
          }
          this.afterCharges(lines, usageTime, true);
          next = { ...c, after: (lines[lines.length - 1] as BillingLine).msisdn };
        }
      }
      this.store.setMeta('billing.next', JSON.stringify(next));
    });
  }

  /** The last day whose usage has been closed for every line. */
  closedThrough(): string {
    return addDays(this.cursor().day, -1);
  }

  private cursor(): BillingCursor {
    return JSON.parse(this.store.meta('billing.next') as string) as BillingCursor;
  }

  /** Limits and alert rules of the lines just charged, then autopay of their accounts. */
  private afterCharges(lines: BillingLine[], time: string, usageClosed: boolean): void {
    checkLimits(this.store, lines, time, this.newId, {
      billingStart: this.usage.billingStart,
      usageClosed,
    });
    for (const account of new Set(lines.map((l) => l.accountId))) applyAutopay(this.store, account, time);
  }
}

function eventTime(c: BillingCursor): string {
  return `${c.phase === 'fees' ? c.day : addDays(c.day, 1)}T00:00:00.000Z`;
}

/** Charges the tariff and service fees of the period starting `start` to each line (once per line, period and service). */
function chargeFees(store: Store, lines: BillingLine[], start: string): void {
  const services = store.billing.serviceFees(lines.map((l) => l.msisdn));
  const time = `${start}T00:00:00.000Z`;
  for (const line of lines) {
    const base = { time, accountId: line.accountId, msisdn: line.msisdn };
    store.billing.charge({ ...base, kind: 'tariff_fee', ref: start, amount: line.monthlyFee });
    for (const [service, fee] of services.get(line.msisdn) ?? [])
      store.billing.charge({ ...base, kind: 'service_fee', ref: `${start}:${service}`, amount: fee });
  }
}
