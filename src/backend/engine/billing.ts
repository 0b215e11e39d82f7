import { addDays, dayOf, periodOf } from '../../domain/billing.js';
import { formatMoney } from '../../domain/money.js';
import { LIMIT_BLOCK_REASON } from '../../domain/operations.js';
import type { BillingLine } from '../store/billing-repo.js';
import type { LimitRecord } from '../store/limits-repo.js';
import type { Store } from '../store/store.js';
import { applyAutopay } from './autopay.js';
import { Usage } from './usage.js';
import { recordEvent } from './events.js';
import { writeAudit } from './audit-service.js';

/** Lines billed per transaction. */
const CHUNK = 1000;

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
 * clock moved forward catches up event by event. After each chunk, spending limits are checked and
 * autopay tops up accounts that fell below their threshold.
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
          this.afterCharges(lines, time);
          next = { ...c, after: (lines[lines.length - 1] as BillingLine).msisdn };
        }
      } else {
        const lines = this.store.billing.lines({ after: c.after, limit: CHUNK, status: 'active' });
        if (lines.length === 0) next = { day: addDays(c.day, 1), phase: 'fees', after: '' };
        else {
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
          this.afterCharges(lines, usageTime);
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

  /** Limits of the lines just charged, then autopay of their accounts. */
  private afterCharges(lines: BillingLine[], time: string): void {
    checkLimits(this.store, lines, time, this.newId);
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

/**
 * A line whose charges this period passed its limit gets one breach per period: a notification to the
 * person who set the limit and an SMS to the line, and for `block` a block operation with reason
 * `limit_exceeded` (run by the worker like any other, visible in `vm ops`).
 */
export function checkLimits(store: Store, lines: BillingLine[], time: string, newId: () => string): void {
  const own = store.limits.of(lines.map((l) => l.msisdn));
  const groupLimits = store.limits.groupLimits();
  if (own.size === 0 && groupLimits.length === 0) return;
  const byGroup = new Map(groupLimits.map((g) => [g.groupId, g]));
  const parent = new Map(store.catalog.groupRecords().map((g) => [g.id, g.parentId]));
  const toBlock = new Map<number, { msisdns: string[]; periods: Map<string, string> }>();
  for (const line of lines) {
    // The number's own limit, else the nearest group limit up its group's ancestry.
    let limit: Pick<LimitRecord, 'monthly' | 'action' | 'createdBy'> | undefined = own.get(line.msisdn);
    for (let g: string | null | undefined = line.groupId; !limit && g; g = parent.get(g))
      limit = byGroup.get(g);
    if (!limit) continue;
    const periodStart = periodOf(time.slice(0, 10), line.billingDay).start;
    const spent = store.billing.spent(line.msisdn, periodStart);
    if (spent <= limit.monthly) continue;
    const fresh = store.limits.breach({
      msisdn: line.msisdn,
      periodStart,
      time,
      monthly: limit.monthly,
      spent,
      action: limit.action,
      operationId: null,
    });
    if (!fresh) continue;
    const text = `Spending limit ${formatMoney(limit.monthly, 'en')} of ${line.msisdn} exceeded: ${formatMoney(spent, 'en')} this period${limit.action === 'block' ? '; the number is being blocked' : ''}.`;
    const setter = store.users.get(limit.createdBy);
    if (setter) store.audit.notify(time, 'email', setter.email, setter.id, text);
    store.audit.notify(time, 'sms', line.msisdn, null, text);
    writeAudit(store, time, {
      actor: { name: 'billing', type: 'system' },
      action: 'limit.breach',
      target: line.msisdn,
      params: { monthly: limit.monthly, spent, action: limit.action },
    });
    recordEvent(store, time, {
      type: 'limit.breached',
      subject: line.msisdn,
      groupId: line.groupId,
      data: { monthly: limit.monthly, spent, action: limit.action, periodStart },
    });
    if (limit.action === 'block' && line.status === 'active') {
      const batch = toBlock.get(limit.createdBy) ?? { msisdns: [], periods: new Map<string, string>() };
      batch.msisdns.push(line.msisdn);
      batch.periods.set(line.msisdn, periodStart);
      toBlock.set(limit.createdBy, batch);
    }
  }
  for (const [createdBy, batch] of toBlock) {
    const id = newId();
    store.operations.insert(
      {
        id,
        type: 'number.block',
        params: { reason: LIMIT_BLOCK_REASON },
        state: 'queued',
        createdBy,
        tokenId: null,
        actor: 'limits',
        scope: null,
        idempotencyKey: null,
        bodyHash: '',
        scheduledAt: null,
        createdAt: time,
        total: batch.msisdns.length,
        rollbackOf: null,
        parentId: null,
        ip: '',
        requestId: '',
      },
      batch.msisdns.map((target) => ({ target })),
    );
    store.limits.setBreachOperation(batch.msisdns, batch.periods, id);
  }
}
