import type { Balance, GroupLimitBody, GroupLimitView, LimitView } from '../../api/billing.js';
import type { Page } from '../../api/common.js';
import { ApiError } from '../../api/errors.js';
import { addDays, daysBetween, dayOf, periodOf } from '../../domain/billing.js';
import type { Clock } from '../../domain/clock.js';
import { tryParseMsisdn } from '../../domain/msisdn.js';
import type { GroupLimitRecord, LimitRecord } from '../store/limits-repo.js';
import type { Store } from '../store/store.js';
import type { AlertsService } from './alerts-service.js';
import type { Billing } from './billing.js';
import { actorName, findGroup, inScope, scopeIds, scopeOf, scopedGroupIds, type Principal } from './authz.js';
import { decodeCursor, pageOf } from './paging.js';

/** What the money pages show: balances with the billing period, and spending limits. */
export class BillingService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly billing: Billing,
    private readonly alerts: AlertsService,
  ) {}

  /**
   * Each account in the caller's money:read scope: balance, credit, the current period, its charges so
   * far and a forecast (charges so far plus the average daily usage of the closed days for the days left).
   */
  balance(p: Principal, account?: string): Balance {
    const now = this.clock.now();
    const today = dayOf(now);
    const closedThrough = this.billing.closedThrough();
    const billingStart = this.billing.usage.billingStart;
    let accounts = this.store.catalog.accounts(
      scopeIds(scopeOf(p, 'money:read', this.store.catalog.groupRecords())),
    );
    if (account !== undefined) {
      accounts = accounts.filter((a) => a.id === account);
      if (accounts.length === 0)
        throw new ApiError('not_found', `No account ${account}`, { reason: 'account_not_found', account });
    }
    const rows = accounts.map((a) => {
      const period = periodOf(today, a.billingDay);
      const c = this.store.billing.accountCharges(a.id, period.start);
      const total = c.tariff_fee + c.service_fee + c.usage + c.one_time;
      // The daily average counts only days billing closed: days before billing started hold no usage
      // (or history a report generated), and counting them would make the forecast depend on them.
      const until = addDays(closedThrough, 1);
      const since = period.start > billingStart ? period.start : billingStart;
      const closedCost = this.store.billing.accountUsageCost(a.id, since, until);
      const daysClosed = Math.max(0, daysBetween(since, until));
      const daysLeft = Math.max(0, daysBetween(until > period.start ? until : period.start, period.end));
      const daily = daysClosed > 0 ? closedCost / daysClosed : 0;
      const rule = this.store.payments.autopay(a.id);
      return {
        accountId: a.id,
        name: a.name,
        balance: a.balance,
        creditLimit: a.creditLimit,
        available: a.balance + a.creditLimit,
        billingDay: a.billingDay,
        periodStart: period.start,
        periodEnd: addDays(period.end, -1),
        charges: {
          tariffFees: c.tariff_fee,
          serviceFees: c.service_fee,
          usage: c.usage,
          oneTime: c.one_time,
          total,
        },
        forecast: total + Math.round(daily * daysLeft),
        autopay: rule ? { below: rule.below, amount: rule.amount } : null,
      };
    });
    return {
      asOf: now.toISOString(),
      closedThrough,
      accounts: rows,
      total: {
        balance: rows.reduce((s, r) => s + r.balance, 0),
        charges: rows.reduce((s, r) => s + r.charges.total, 0),
        forecast: rows.reduce((s, r) => s + r.forecast, 0),
      },
    };
  }

  /** The limits of numbers in the caller's scope, with this period's spending. */
  limits(
    p: Principal,
    q: { group?: string; number?: string; limit?: number; cursor?: string },
  ): Page<LimitView> {
    const limit = q.limit ?? 100;
    const groups = this.store.catalog.groupRecords();
    const ids = scopedGroupIds(scopeOf(p, 'money:read', groups), groups, q.group);
    const after = decodeCursor(q.cursor) ?? '';
    let rows: LimitRecord[];
    if (q.number !== undefined) {
      // One number: look it up rather than filter a page, which would miss it beyond the first page.
      const m = tryParseMsisdn(q.number) ?? q.number;
      const own = this.store.limits.of([m]).get(m);
      const line = this.store.billing.linesOf([m])[0];
      rows = own && line && m > after && (ids === null || ids.includes(line.groupId)) ? [own] : [];
    } else rows = this.store.limits.list(ids, after, limit + 1);
    const lines = new Map(
      this.store.billing.linesOf(rows.slice(0, limit).map((r) => r.msisdn)).map((l) => [l.msisdn, l]),
    );
    const alerts = this.alerts.moneyAlertsOf([...lines.values()]);
    const today = dayOf(this.clock.now());
    return pageOf(
      rows,
      limit,
      (r) => r.msisdn,
      (r) => {
        const periodStart = periodOf(today, lines.get(r.msisdn)?.billingDay ?? 1).start;
        const spent = this.store.billing.spent(r.msisdn, periodStart);
        return {
          msisdn: r.msisdn,
          monthly: r.monthly,
          action: r.action,
          setAt: r.setAt,
          setBy: r.setBy,
          periodStart,
          spent,
          breached: spent > r.monthly,
          alerts: alerts.get(r.msisdn) ?? [],
        };
      },
    );
  }

  /** Group limits of groups in the caller's money:read scope. */
  groupLimits(p: Principal): GroupLimitView[] {
    const groups = this.store.catalog.groupRecords();
    const scope = scopeOf(p, 'money:read', groups);
    const names = new Map(groups.map((g) => [g.id, g.name]));
    return this.store.limits
      .groupLimits()
      .filter((l) => inScope(scope, l.groupId))
      .map((l) => this.groupView(l, names));
  }

  /** Sets a group's limit; the group must be within the caller's money:write scope. */
  setGroupLimit(p: Principal, body: GroupLimitBody): GroupLimitView {
    const groups = this.store.catalog.groupRecords();
    const scope = scopeOf(p, 'money:write', groups);
    const group = findGroup(groups, body.group, (id) => inScope(scope, id));
    this.store.limits.setGroup({
      groupId: group.id,
      monthly: body.monthly,
      action: body.action ?? 'notify',
      setAt: this.clock.now().toISOString(),
      setBy: actorName(p),
      createdBy: p.user.id,
    });
    const set = this.store.limits.groupLimits().find((l) => l.groupId === group.id) as GroupLimitRecord;
    return this.groupView(set, new Map(groups.map((g) => [g.id, g.name])));
  }

  /** Removes a group's limit. */
  removeGroupLimit(p: Principal, groupText: string): void {
    const groups = this.store.catalog.groupRecords();
    const scope = scopeOf(p, 'money:write', groups);
    const group = findGroup(groups, groupText, (id) => inScope(scope, id));
    if (!this.store.limits.removeGroup(group.id))
      throw new ApiError('not_found', `Group ${group.name} has no limit`, {
        reason: 'group_limit_not_found',
        group: group.name,
      });
  }

  private groupView(l: GroupLimitRecord, names: Map<string, string>): GroupLimitView {
    return {
      groupId: l.groupId,
      groupName: names.get(l.groupId) ?? l.groupId,
      monthly: l.monthly,
      action: l.action,
      setAt: l.setAt,
      setBy: l.setBy,
      alerts: this.alerts.groupMoneyAlerts(l.groupId),
    };
  }
}
