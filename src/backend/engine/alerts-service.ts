import { createHash } from 'node:crypto';
import type {
  AlertListQuery,
  AlertRemoveBody,
  AlertRemoveResult,
  AlertRule,
  AlertSetBody,
  AlertSetResult,
  LimitAlert,
} from '../../api/alerts.js';
import type { Page } from '../../api/common.js';
import { ApiError, type ErrorCode } from '../../api/errors.js';
import {
  defaultThresholds,
  ruleProblem,
  rulesInEffect,
  type AlertChannel,
  type AlertKey,
} from '../../domain/alerts.js';
import type { Clock } from '../../domain/clock.js';
import { tryParseMsisdn } from '../../domain/msisdn.js';
import type { GroupRecord } from '../store/catalog-repo.js';
import type { AlertRuleRecord, AlertTarget } from '../store/limits-repo.js';
import type { Store } from '../store/store.js';
import {
  actorName,
  findGroup,
  inScope,
  scopeOf,
  scopedGroupIds,
  type Principal,
  type Scope,
} from './authz.js';
import { alertRuleId } from './limit-checks.js';
import { requireMsisdn } from './number-param.js';
import { decodeIntCursor, pageOf } from './paging.js';

/** Problems of a rule's key (domain/alerts.ts `ruleProblem`) as the contract's errors. */
const PROBLEMS: Record<string, { code: ErrorCode; message: string }> = {
  alert_threshold_invalid: {
    code: 'validation_failed',
    message:
      'A threshold is a percentage of the limit (1-99) or of the allowance (1-1000), or a value from 1 up within its unit',
  },
  alert_percent_needs_month: {
    code: 'validation_failed',
    message: 'A percentage of the limit or allowance is per month (the limit is per billing period)',
  },
  alert_threshold_is_limit: {
    code: 'business_rule',
    message: '100% of the limit is the limit itself: set what it does with vm limits set (limit.set)',
  },
};

/** Numbers named in an error's details, at most this many. */
const LISTED = 20;

/**
 * Alert rules: thresholds below a spending limit and on usage, kept with the limits (LimitsRepo) and
 * checked by billing (limit-checks.ts). Setting and removing are direct requests, not operations: a
 * rule changes no line. The whole target list is checked first (money:write over each number's group;
 * one out of scope looks unknown), and a resend with the same Idempotency-Key answers as the first did.
 */
export class AlertsService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Rules in the caller's money:read scope; for `number`, the rules in effect for it (own and inherited). */
  list(p: Principal, q: AlertListQuery & { limit?: number; cursor?: string }): Page<AlertRule> {
    const groups = this.store.catalog.groupRecords();
    const scope = scopeOf(p, 'money:read', groups);
    const names = new Map(groups.map((g) => [g.id, g.name]));
    if (q.number !== undefined) {
      const m = requireMsisdn(q.number);
      const line = this.store.billing.linesOf([m])[0];
      if (!line || !inScope(scope, line.groupId) || q.cursor) return { data: [], nextCursor: null };
      const rules = this.inEffect(line.msisdn, line.groupId, groups).filter(
        (r) => q.metric === undefined || r.metric === q.metric,
      );
      return { data: rules.map((r) => view(r, names)), nextCursor: null };
    }
    const limit = q.limit ?? 100;
    const ids = scopedGroupIds(scope, groups, q.group);
    const rows = this.store.limits.listAlertRules(
      ids,
      q.metric ?? null,
      decodeIntCursor(q.cursor) ?? 0,
      limit + 1,
    );
    return pageOf(
      rows,
      limit,
      (r) => r.id,
      (r) => view(r, names),
    );
  }

  /**
   * Sets one rule on numbers or a group. Everything is checked before anything is stored: the rule, each
   * number (unknown or out of the caller's money:write scope: 404 naming them), and for a percentage of
   * the limit on spend, that each target has a limit to take it of.
   */
  set(p: Principal, body: AlertSetBody, dryRun: boolean, key: string | undefined): AlertSetResult {
    const rule = {
      metric: body.metric,
      period: body.period ?? 'month',
      threshold: body.threshold,
      ofLimit: body.ofLimit ?? false,
    } satisfies AlertKey;
    const problem = ruleProblem(rule);
    if (problem) {
      const { code, message } = PROBLEMS[problem] as { code: ErrorCode; message: string };
      throw new ApiError(code, message, { reason: problem });
    }
    const action = body.action ?? 'notify';
    const notify: AlertChannel[] = body.notify ?? ['email'];
    const run = (): AlertSetResult => {
      const groups = this.store.catalog.groupRecords();
      const scope = scopeOf(p, 'money:write', groups);
      const target = this.targets(body, groups, scope);
      if (rule.metric === 'spend' && rule.ofLimit) this.requireLimits(target, groups);
      const base = { dryRun, ...rule, action, notify, targets: target.targets.length };
      if (dryRun) {
        const existing = this.store.limits.alertRuleIdsWithKey(target.kind, target.targets, rule).size;
        return { ...base, created: target.targets.length - existing, replaced: existing, ids: [] };
      }
      const set = this.store.limits.setAlertRules(target.kind, target.targets, {
        ...rule,
        action,
        notify,
        setAt: this.clock.now().toISOString(),
        setBy: actorName(p),
        createdBy: p.user.id,
      });
      return {
        ...base,
        created: set.created,
        replaced: target.targets.length - set.created,
        ids: set.ids.map(alertRuleId),
      };
    };
    return dryRun ? run() : this.once(p, key, 'alerts.set', body, run);
  }

  /** Removes rules by id (each must be the caller's to change), or one key's rule from numbers or a group. */
  remove(p: Principal, body: AlertRemoveBody, key: string | undefined): AlertRemoveResult {
    const byIds = body.ids !== undefined;
    const byTargets = body.numbers !== undefined || body.group !== undefined;
    if (byIds === byTargets)
      throw new ApiError('validation_failed', 'Give either rule ids, or numbers or a group with the rule', {
        reason: 'alert_remove_what',
      });
    if (byTargets && (body.metric === undefined || body.threshold === undefined))
      throw new ApiError(
        'validation_failed',
        'Removing from numbers or a group needs the metric and the threshold',
        {
          reason: 'alert_remove_key',
        },
      );
    return this.once(p, key, 'alerts.remove', body, () => {
      const groups = this.store.catalog.groupRecords();
      const scope = scopeOf(p, 'money:write', groups);
      let rules: AlertRuleRecord[];
      if (body.ids) {
        const wanted = body.ids.map((id) => Number(id.slice(3)));
        const found = new Map(this.store.limits.alertRulesById(wanted).map((r) => [r.id, r]));
        const mine = (r: AlertRuleRecord | undefined) => r !== undefined && this.writable(r, scope);
        const unknown = body.ids.filter((_, i) => !mine(found.get(wanted[i] as number)));
        if (unknown.length)
          throw new ApiError('not_found', `No alert rule ${unknown.slice(0, LISTED).join(', ')}`, {
            reason: 'alert_rules_not_found',
            ids: unknown.slice(0, LISTED).join(', '),
          });
        rules = [...found.values()];
      } else {
        const target = this.targets(body, groups, scope);
        rules = this.store.limits.alertRulesWithKey(target.kind, target.targets, {
          metric: body.metric as AlertKey['metric'],
          period: body.period ?? 'month',
          threshold: body.threshold as number,
          ofLimit: body.ofLimit ?? false,
        });
      }
      const removed = this.store.limits.removeAlertRules(rules.map((r) => r.id));
      return { removed, ids: rules.map((r) => alertRuleId(r.id)) };
    });
  }

  /**
   * The thresholds on each line's spending for the limits views: its spend rules in effect and the
   * limit's defaults (every line of a limits view has a limit), percentages first.
   */
  moneyAlertsOf(lines: { msisdn: string; groupId: string }[]): Map<string, LimitAlert[]> {
    const out = new Map<string, LimitAlert[]>();
    const groups = this.store.catalog.groupRecords();
    const any = lines.length > 0 && this.store.limits.hasAlertRules();
    const own = byTarget(any ? this.store.limits.alertRulesOf(lines.map((l) => l.msisdn)) : []);
    const groupRules = byTarget(any ? this.store.limits.groupAlertRules() : []);
    for (const l of lines) {
      const chain = ancestry(l.groupId, groups).map((g) => groupRules.get(g) ?? []);
      out.set(l.msisdn, moneyAlerts(rulesInEffect(own.get(l.msisdn) ?? [], chain)));
    }
    return out;
  }

  /** The same for a group's limit: the spend rules its numbers inherit from it and above. */
  groupMoneyAlerts(groupId: string): LimitAlert[] {
    const groups = this.store.catalog.groupRecords();
    const groupRules = byTarget(this.store.limits.hasAlertRules() ? this.store.limits.groupAlertRules() : []);
    return moneyAlerts(
      rulesInEffect(
        [],
        ancestry(groupId, groups).map((g) => groupRules.get(g) ?? []),
      ),
    );
  }

  /** A line's rules in effect: its own, then per key the nearest group's. */
  private inEffect(msisdn: string, groupId: string, groups: GroupRecord[]): AlertRuleRecord[] {
    const own = this.store.limits.alertRulesOf([msisdn]);
    const groupRules = byTarget(this.store.limits.groupAlertRules());
    return rulesInEffect(
      own,
      ancestry(groupId, groups).map((g) => groupRules.get(g) ?? []),
    );
  }

  /** The numbers or the group a request names, within the scope (else 404, as unknown). */
  private targets(
    body: { numbers?: string[]; group?: string },
    groups: GroupRecord[],
    scope: Scope,
  ): { kind: AlertTarget['kind']; targets: string[]; groupIds: Map<string, string> } {
    if ((body.numbers === undefined) === (body.group === undefined))
      throw new ApiError('validation_failed', 'Give either numbers or a group', {
        reason: 'alert_one_target',
      });
    if (body.group !== undefined) {
      const group = findGroup(groups, body.group, (id) => inScope(scope, id));
      return { kind: 'group', targets: [group.id], groupIds: new Map([[group.id, group.id]]) };
    }
    const wanted = [...new Set((body.numbers as string[]).map((n) => tryParseMsisdn(n) ?? n))];
    const lines = this.store.billing.groupsOf(wanted);
    const unknown = wanted.filter((m) => {
      const g = lines.get(m);
      return g === undefined || !inScope(scope, g);
    });
    if (unknown.length)
      throw new ApiError(
        'not_found',
        `Unknown number ${unknown[0]}${unknown.length > 1 ? ` and ${unknown.length - 1} more` : ''}`,
        { reason: 'numbers_not_found', numbers: unknown.slice(0, LISTED) },
      );
    return { kind: 'number', targets: wanted, groupIds: lines };
  }

  /** A percentage of the limit needs a limit: a number's own or its groups'; a group's own or its parents'. */
  private requireLimits(
    target: { kind: AlertTarget['kind']; targets: string[]; groupIds: Map<string, string> },
    groups: GroupRecord[],
  ): void {
    const withGroupLimit = new Set(this.store.limits.groupLimits().map((g) => g.groupId));
    const limited = (groupId: string) => ancestry(groupId, groups).some((g) => withGroupLimit.has(g));
    if (target.kind === 'group') {
      const id = target.targets[0] as string;
      if (!limited(id))
        throw new ApiError('business_rule', `Group ${id} has no spending limit to take a percentage of`, {
          reason: 'alert_group_limit_missing',
          group: id,
        });
      return;
    }
    const own = this.store.limits.of(target.targets);
    const missing = target.targets.filter((m) => !own.has(m) && !limited(target.groupIds.get(m) as string));
    if (missing.length)
      throw new ApiError(
        'business_rule',
        `${missing[0]}${missing.length > 1 ? ` and ${missing.length - 1} more` : ''} ha${missing.length > 1 ? 've' : 's'} no spending limit to take a percentage of`,
        { reason: 'alert_limit_missing', numbers: missing.slice(0, LISTED), count: missing.length },
      );
  }

  /** May the caller change this rule: money:write over its group, or the number's group. */
  private writable(r: AlertRuleRecord, scope: Scope): boolean {
    if (r.kind === 'group') return inScope(scope, r.target);
    const line = this.store.billing.linesOf([r.target])[0];
    return line !== undefined && inScope(scope, line.groupId);
  }

  /**
   * Runs a change once per Idempotency-Key (in one transaction with keeping its answer): the same key
   * and body again gets the first answer, another body 409.
   */
  private once<T>(p: Principal, key: string | undefined, route: string, body: unknown, run: () => T): T {
    return this.store.transaction(() => {
      if (!key) return run();
      const hash = createHash('sha256').update(JSON.stringify({ route, body })).digest('hex');
      const earlier = this.store.limits.alertRequest(p.user.id, key);
      if (earlier) {
        if (earlier.bodyHash !== hash)
          throw new ApiError('idempotency_conflict', 'This Idempotency-Key was used with another request', {
            reason: 'idempotency_conflict',
          });
        return earlier.result as T;
      }
      const result = run();
      this.store.limits.keepAlertRequest(p.user.id, key, hash, result, this.clock.now().toISOString());
      return result;
    });
  }
}

/** A group and its parents up to the top, the group first. */
function ancestry(groupId: string, groups: GroupRecord[]): string[] {
  const parent = new Map(groups.map((g) => [g.id, g.parentId]));
  const out: string[] = [];
  for (let g: string | null | undefined = groupId; g && !out.includes(g); g = parent.get(g)) out.push(g);
  return out;
}

function byTarget(rules: AlertRuleRecord[]): Map<string, AlertRuleRecord[]> {
  const out = new Map<string, AlertRuleRecord[]>();
  for (const r of rules) out.set(r.target, [...(out.get(r.target) ?? []), r]);
  return out;
}

/** The spend thresholds of a limit: its rules on spend and the defaults they leave; percentages first. */
function moneyAlerts(rules: AlertRuleRecord[]): LimitAlert[] {
  const spend: LimitAlert[] = rules
    .filter((r) => r.metric === 'spend')
    .map((r) => ({
      id: alertRuleId(r.id),
      threshold: r.threshold,
      ofLimit: r.ofLimit,
      period: r.period,
      action: r.action,
    }));
  for (const d of defaultThresholds(rules))
    spend.push({ id: null, threshold: d.threshold, ofLimit: true, period: 'month', action: 'notify' });
  return spend.sort((a, b) =>
    a.ofLimit !== b.ofLimit
      ? a.ofLimit
        ? -1
        : 1
      : a.period !== b.period
        ? a.period === 'month'
          ? -1
          : 1
        : a.threshold - b.threshold,
  );
}

function view(r: AlertRuleRecord, names: Map<string, string>): AlertRule {
  return {
    id: alertRuleId(r.id),
    msisdn: r.kind === 'number' ? r.target : null,
    groupId: r.kind === 'group' ? r.target : null,
    groupName: r.kind === 'group' ? (names.get(r.target) ?? r.target) : null,
    metric: r.metric,
    period: r.period,
    threshold: r.threshold,
    ofLimit: r.ofLimit,
    action: r.action,
    notify: r.notify,
    setAt: r.setAt,
    setBy: r.setBy,
  };
}
