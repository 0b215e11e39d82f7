import {
  ALERT_BLOCK_REASON,
  defaultThresholds,
  reachedThresholds,
  rulesInEffect,
  type AlertMetric,
  type Crossing,
  type LineTotals,
  type RuleInEffect,
} from '../../domain/alerts.js';
import { periodOf } from '../../domain/billing.js';
import { formatMoney } from '../../domain/money.js';
import { LIMIT_BLOCK_REASON } from '../../domain/operations.js';
import type { BillingLine, LineSpend, LineUsage } from '../store/billing-repo.js';
import type { AlertRuleRecord, CrossingRecord, LimitRecord } from '../store/limits-repo.js';
import type { Store } from '../store/store.js';
import { writeAudit } from './audit-service.js';
import { recordEvent } from './events.js';

/** A rule of the check: the stored rule (or a limit's default threshold) as the crossing logic sees it. */
interface CheckedRule extends RuleInEffect {
  /** The crossing's rule key: `al_N`, or `limit` for a limit's defaults. */
  ref: string;
}

/** One line of a chunk that has something to check: its limit and its rules in effect. */
interface LinePlan {
  line: BillingLine;
  limit: Pick<LimitRecord, 'monthly' | 'action' | 'createdBy'> | undefined;
  rules: CheckedRule[];
  monthStart: string;
}

/** What the check needs of billing: the first day it closed (usage before it is history, never counted). */
export interface LimitCheckOptions {
  billingStart: string;
  /** False at a fees event: only charges moved, so only spend is looked at. */
  usageClosed: boolean;
}

const NO_USAGE: LineUsage = {
  dataMonth: 0,
  minutesMonth: 0,
  smsMonth: 0,
  dataDay: 0,
  minutesDay: 0,
  smsDay: 0,
};
const NO_SPEND: LineSpend = { month: 0, day: 0 };

/** The rule id as the API shows it. */
export function alertRuleId(id: number): string {
  return `al_${id}`;
}

/**
 * Spending limits and alert rules of the lines billing just charged, in the chunk's transaction, so a
 * crossing is recorded together with the charges that caused it.
 *
 * - A line whose charges this period passed its limit (own, else the nearest group limit) gets one
 *   breach per period: an e-mail to the limit's setter and an SMS to the line, `limit.breached`, and for
 *   `block` a block operation with reason `limit_exceeded` (run by the worker like any other).
 * - Each threshold a line reaches — its rules in effect (own, else the nearest group's, per key) and a
 *   limit's default 50/80/100% — is recorded once per rule, period and threshold (`alert_crossings`):
 *   `limit.threshold_reached`, and for a rule the outbox (`--notify email,sms`; `webhook` is the event
 *   alone) and for `block` a block with reason `alert_threshold`.
 *
 * Cheap when nothing is set: one look at the limits and whether any rule exists. Otherwise a few
 * statements per chunk (the rules, the totals of every line, the crossings), none per line.
 */
export function checkLimits(
  store: Store,
  lines: BillingLine[],
  time: string,
  newId: () => string,
  opts: LimitCheckOptions,
): void {
  const msisdns = lines.map((l) => l.msisdn);
  const own = store.limits.of(msisdns);
  const groupLimits = store.limits.groupLimits();
  const anyRules = store.limits.hasAlertRules();
  if (own.size === 0 && groupLimits.length === 0 && !anyRules) return;
  const byGroup = new Map(groupLimits.map((g) => [g.groupId, g]));
  const parent = new Map(store.catalog.groupRecords().map((g) => [g.id, g.parentId]));
  const ownRules = groupRules(anyRules ? store.limits.alertRulesOf(msisdns) : []);
  const groupRuleMap = groupRules(anyRules ? store.limits.groupAlertRules() : []);
  const day = time.slice(0, 10);

  // Per group: its nearest group limit and the rules its numbers inherit (a chunk has few groups).
  const ofGroup = new Map<string, { limit: LinePlan['limit']; chain: CheckedRule[][] }>();
  const groupOf = (groupId: string) => {
    let known = ofGroup.get(groupId);
    if (!known) {
      let limit: LinePlan['limit'];
      const chain: CheckedRule[][] = [];
      for (let g: string | null | undefined = groupId; g; g = parent.get(g)) {
        limit ??= byGroup.get(g);
        const rules = groupRuleMap.get(g);
        if (rules) chain.push(rules);
      }
      ofGroup.set(groupId, (known = { limit, chain }));
    }
    return known;
  };
  // The rules of a line without its own: the same for every line of its group with (or without) a limit.
  const inherited = new Map<string, CheckedRule[]>();
  const rulesOf = (msisdn: string, groupId: string, limited: boolean): CheckedRule[] => {
    const mine = ownRules.get(msisdn);
    const key = `${groupId}|${limited}`;
    if (!mine && inherited.has(key)) return inherited.get(key) as CheckedRule[];
    let rules = rulesInEffect(mine ?? [], groupOf(groupId).chain);
    if (limited) rules = [...rules, ...defaultThresholds(rules).map((r) => ({ ...r, ref: 'limit' }))];
    if (!opts.usageClosed) rules = rules.filter((r) => r.metric === 'spend');
    if (!mine) inherited.set(key, rules);
    return rules;
  };
  const monthStarts = new Map<number, string>();
  const plans: LinePlan[] = [];
  for (const line of lines) {
    // The number's own limit, else the nearest group limit up its group's ancestry.
    const limit = own.get(line.msisdn) ?? groupOf(line.groupId).limit;
    const rules = rulesOf(line.msisdn, line.groupId, limit !== undefined);
    if (!limit && rules.length === 0) continue;
    let monthStart = monthStarts.get(line.billingDay);
    if (monthStart === undefined)
      monthStarts.set(line.billingDay, (monthStart = periodOf(day, line.billingDay).start));
    plans.push({ line, limit, rules, monthStart });
  }
  if (plans.length === 0) return;

  // Each total in one statement for the chunk: charges (for limits and spend rules), usage (the others).
  const spend = store.billing.spendTotals(
    plans
      .filter((p) => p.limit || p.rules.some((r) => r.metric === 'spend'))
      .map((p) => ({ msisdn: p.line.msisdn, periodStart: p.monthStart })),
    day,
  );
  const usage = store.billing.usageTotals(
    plans
      .filter((p) => p.rules.some((r) => r.metric !== 'spend'))
      .map((p) => ({
        msisdn: p.line.msisdn,
        from: p.monthStart > opts.billingStart ? p.monthStart : opts.billingStart,
      })),
    day,
  );

  const breaches: { plan: LinePlan; spent: number }[] = [];
  const candidates: { plan: LinePlan; crossing: Crossing<CheckedRule>; row: CrossingRecord }[] = [];
  for (const plan of plans) {
    const m = plan.line.msisdn;
    const s = spend.get(m) ?? NO_SPEND;
    if (plan.limit && s.month > plan.limit.monthly) breaches.push({ plan, spent: s.month });
    if (plan.rules.length === 0) continue;
    const totals = totalsOf(s, usage.get(m) ?? NO_USAGE);
    const allowance = { data: plan.line.dataMb, minutes: plan.line.minutes, sms: plan.line.sms };
    for (const crossing of reachedThresholds(plan.rules, totals, plan.limit?.monthly, allowance)) {
      const r = crossing.rule;
      candidates.push({
        plan,
        crossing,
        row: {
          msisdn: m,
          periodStart: r.period === 'day' ? day : plan.monthStart,
          rule: r.ref,
          threshold: r.threshold,
          time,
          metric: r.metric,
          amount: crossing.amount,
          value: crossing.value,
          action: r.action,
          operationId: null,
        },
      });
    }
  }

  // What is new: a breach once per period, a crossing once per rule, period and threshold.
  const freshBreaches = new Set(
    store.limits
      .recordBreaches(
        breaches.map(({ plan, spent }) => ({
          msisdn: plan.line.msisdn,
          periodStart: plan.monthStart,
          time,
          monthly: (plan.limit as NonNullable<LinePlan['limit']>).monthly,
          spent,
          action: (plan.limit as NonNullable<LinePlan['limit']>).action,
          operationId: null,
        })),
      )
      .map((b) => b.msisdn),
  );
  const freshRows = new Set(store.limits.recordCrossings(candidates.map((c) => c.row)));
  const fresh = candidates.filter((c) => freshRows.has(c.row));
  if (freshBreaches.size === 0 && fresh.length === 0) return;

  // Blocks: one operation per setter and reason; a line blocked once however many rules say so.
  const ops = new Map<string, { id: string; createdBy: number; reason: string; msisdns: string[] }>();
  const blockedBy = new Map<string, string>();
  const block = (m: string, createdBy: number, reason: string): string => {
    const known = blockedBy.get(m);
    if (known) return known;
    const key = `${createdBy}|${reason}`;
    let op = ops.get(key);
    if (!op) ops.set(key, (op = { id: newId(), createdBy, reason, msisdns: [] }));
    op.msisdns.push(m);
    blockedBy.set(m, op.id);
    return op.id;
  };
  const breachOps = new Map<string, string>();
  for (const { plan } of breaches) {
    const limit = plan.limit as NonNullable<LinePlan['limit']>;
    if (freshBreaches.has(plan.line.msisdn) && limit.action === 'block' && plan.line.status === 'active')
      breachOps.set(plan.line.msisdn, block(plan.line.msisdn, limit.createdBy, LIMIT_BLOCK_REASON));
  }
  for (const c of fresh) {
    const r = c.crossing.rule;
    if (r.action === 'block' && r.createdBy !== null && c.plan.line.status === 'active')
      c.row.operationId = block(c.plan.line.msisdn, r.createdBy, ALERT_BLOCK_REASON);
  }
  store.limits.setCrossingOperations(fresh.filter((c) => c.row.operationId).map((c) => c.row));

  // What happened, line by line: the thresholds reached (lowest first), then the breach.
  const freshOf = new Map<string, typeof fresh>();
  for (const c of fresh) freshOf.set(c.row.msisdn, [...(freshOf.get(c.row.msisdn) ?? []), c]);
  const users = new Map<number, { id: number; email: string } | undefined>();
  const setter = (id: number) => {
    if (!users.has(id)) users.set(id, store.users.get(id));
    return users.get(id);
  };
  for (const plan of plans) {
    const m = plan.line.msisdn;
    for (const c of freshOf.get(m) ?? []) thresholdReached(store, time, c.plan, c.crossing, c.row, setter);
    if (!freshBreaches.has(m)) continue;
    const limit = plan.limit as NonNullable<LinePlan['limit']>;
    const spent = (spend.get(m) ?? NO_SPEND).month;
    const blocking = breachOps.has(m);
    const text = `Spending limit ${formatMoney(limit.monthly, 'en')} of ${m} exceeded: ${formatMoney(spent, 'en')} this period${limit.action === 'block' ? '; the number is being blocked' : ''}.`;
    const who = setter(limit.createdBy);
    if (who) store.audit.notify(time, 'email', who.email, who.id, text);
    store.audit.notify(time, 'sms', m, null, text);
    writeAudit(store, time, {
      actor: { name: 'billing', type: 'system' },
      action: 'limit.breach',
      target: m,
      params: { monthly: limit.monthly, spent, action: limit.action },
    });
    recordEvent(store, time, {
      type: 'limit.breached',
      subject: m,
      groupId: plan.line.groupId,
      data: { monthly: limit.monthly, spent, action: limit.action, periodStart: plan.monthStart },
    });
    if (blocking)
      store.limits.setBreachOperation([m], new Map([[m, plan.monthStart]]), breachOps.get(m) as string);
  }

  for (const op of ops.values()) {
    store.operations.insert(
      {
        id: op.id,
        type: 'number.block',
        params: { reason: op.reason },
        state: 'queued',
        createdBy: op.createdBy,
        tokenId: null,
        actor: 'limits',
        scope: null,
        idempotencyKey: null,
        bodyHash: '',
        scheduledAt: null,
        createdAt: time,
        total: op.msisdns.length,
        rollbackOf: null,
        parentId: null,
        ip: '',
        requestId: '',
      },
      op.msisdns.map((target) => ({ target })),
    );
  }
}

/** The rules of a list by target. */
function groupRules(rules: AlertRuleRecord[]): Map<string, CheckedRule[]> {
  const out = new Map<string, CheckedRule[]>();
  for (const r of rules) {
    const list = out.get(r.target) ?? [];
    list.push({
      id: alertRuleId(r.id),
      ref: alertRuleId(r.id),
      metric: r.metric,
      period: r.period,
      threshold: r.threshold,
      ofLimit: r.ofLimit,
      action: r.action,
      notify: r.notify,
      createdBy: r.createdBy,
    });
    out.set(r.target, list);
  }
  return out;
}

function totalsOf(s: LineSpend, u: LineUsage): LineTotals {
  return {
    month: { spend: s.month, data: u.dataMonth, minutes: u.minutesMonth, sms: u.smsMonth },
    day: { spend: s.day, data: u.dataDay, minutes: u.minutesDay, sms: u.smsDay },
  };
}

/** A metric's amount as the outbox words it (English, like every backend text). */
function amountText(metric: AlertMetric, n: number): string {
  if (metric === 'spend') return formatMoney(n, 'en');
  const unit = metric === 'data' ? 'MB' : metric === 'minutes' ? 'minutes' : 'SMS';
  return `${n.toLocaleString('en-US')} ${unit}`;
}

/**
 * A new crossing: the event (every one), and for a rule someone set the outbox (`email` to the setter,
 * `sms` to the line; `webhook` is the event alone) and an audit row. A limit's defaults are events only.
 */
function thresholdReached(
  store: Store,
  time: string,
  plan: LinePlan,
  crossing: Crossing<CheckedRule>,
  row: CrossingRecord,
  setter: (id: number) => { id: number; email: string } | undefined,
): void {
  const r = crossing.rule;
  const m = plan.line.msisdn;
  recordEvent(store, time, {
    type: 'limit.threshold_reached',
    subject: m,
    groupId: plan.line.groupId,
    data: {
      ruleId: r.id,
      metric: r.metric,
      period: r.period,
      periodStart: row.periodStart,
      threshold: r.threshold,
      ofLimit: r.ofLimit,
      amount: crossing.amount,
      value: crossing.value,
      limit: crossing.base,
      action: r.action,
      notify: r.notify,
      operationId: row.operationId,
    },
  });
  if (r.id === null) return;
  const over = r.ofLimit
    ? `${r.threshold}% of ${r.metric === 'spend' ? 'its limit' : 'its allowance'} ${amountText(r.metric, crossing.base as number)}`
    : amountText(r.metric, crossing.amount);
  const what = r.metric === 'spend' ? 'charges' : r.metric === 'data' ? 'data' : r.metric;
  const when = r.period === 'day' ? `on ${row.periodStart}` : 'this period';
  const text = `Usage alert for ${m}: ${what} ${when} reached ${amountText(r.metric, crossing.value)}, the threshold being ${over}${row.operationId ? '; the number is being blocked' : ''}.`;
  const who = r.createdBy === null ? undefined : setter(r.createdBy);
  if (r.notify.includes('email') && who) store.audit.notify(time, 'email', who.email, who.id, text);
  if (r.notify.includes('sms')) store.audit.notify(time, 'sms', m, null, text);
  writeAudit(store, time, {
    actor: { name: 'billing', type: 'system' },
    action: 'alert.threshold',
    target: m,
    params: {
      rule: r.id,
      metric: r.metric,
      threshold: r.threshold,
      ofLimit: r.ofLimit,
      value: crossing.value,
      action: r.action,
    },
  });
}
