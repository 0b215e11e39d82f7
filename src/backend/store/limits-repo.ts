import type { AlertAction, AlertChannel, AlertKey, AlertMetric } from '../../domain/alerts.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

/** A spending limit of one line per billing period. */
export interface LimitRecord {
  msisdn: string;
  monthly: number;
  action: 'notify' | 'block';
  setAt: string;
  setBy: string;
  createdBy: number;
}

/** A group's limit: every number of its subtree without a limit of its own has it. */
export interface GroupLimitRecord {
  groupId: string;
  monthly: number;
  action: 'notify' | 'block';
  setAt: string;
  setBy: string;
  createdBy: number;
}

/** A limit breach: at most one per line and billing period. */
export interface BreachRecord {
  msisdn: string;
  periodStart: string;
  time: string;
  monthly: number;
  spent: number;
  action: 'notify' | 'block';
  operationId: string | null;
}

/** What an alert rule is set on: a number (its msisdn) or a group (its id, for its whole subtree). */
export interface AlertTarget {
  kind: 'number' | 'group';
  target: string;
}

/** An alert rule as stored: at most one per target and key (metric, period, threshold, of the limit or not). */
export interface AlertRuleRecord extends AlertKey, AlertTarget {
  id: number;
  action: AlertAction;
  notify: AlertChannel[];
  setAt: string;
  setBy: string;
  createdBy: number;
}

/** What a rule does and who set it, beside its key. */
export interface AlertRuleBody extends AlertKey {
  action: AlertAction;
  notify: AlertChannel[];
  setAt: string;
  setBy: string;
  createdBy: number;
}

/** A threshold a line reached, to record once per rule (`al_N`, or `limit` for a limit's defaults), period and threshold. */
export interface CrossingRecord {
  msisdn: string;
  periodStart: string;
  rule: string;
  threshold: number;
  time: string;
  metric: AlertMetric;
  amount: number;
  value: number;
  action: AlertAction;
  operationId: string | null;
}

/** A request that changed alert rules, kept by its Idempotency-Key: a resend gets the same answer. */
export interface AlertRequestRecord {
  bodyHash: string;
  result: unknown;
}

type AlertRuleRow = Omit<AlertRuleRecord, 'ofLimit' | 'notify' | 'kind'> & {
  kind: string;
  ofLimit: number;
  notify: string;
};

const RULE_COLUMNS = `r.id, r.target_kind AS kind, r.target, r.metric, r.period, r.of_limit AS ofLimit,
  r.threshold, r.action, r.notify, r.set_at AS setAt, r.set_by AS setBy, r.created_by AS createdBy`;

function ruleOf(r: AlertRuleRow): AlertRuleRecord {
  return {
    id: r.id,
    kind: r.kind as AlertTarget['kind'],
    target: r.target,
    metric: r.metric,
    period: r.period,
    ofLimit: r.ofLimit === 1,
    threshold: r.threshold,
    action: r.action,
    notify: JSON.parse(r.notify) as AlertChannel[],
    setAt: r.setAt,
    setBy: r.setBy,
    createdBy: r.createdBy,
  };
}

const LIMIT_COLUMNS = 'msisdn, monthly, action, set_at AS setAt, set_by AS setBy, created_by AS createdBy';
const BREACH_COLUMNS =
  'msisdn, period_start AS periodStart, time, monthly, spent, action, operation_id AS operationId';

/** Spending limits and their breaches. A number's own limit is written by its limit.set/limit.remove operation (ChangesRepo). */
export class LimitsRepo {
  /** Statements prepared once: billing looks at limits and rules in every chunk. */
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  private q<P extends unknown[] | object = unknown[], R = unknown>(sql: string): Statement<P, R> {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s as unknown as Statement<P, R>;
  }

  /** The limits of these lines. */
  of(msisdns: string[]): Map<string, LimitRecord> {
    if (msisdns.length === 0) return new Map();
    const rows = this.q<[string], LimitRecord>(
      `SELECT ${LIMIT_COLUMNS} FROM limits WHERE msisdn IN (SELECT value FROM json_each(?))`,
    ).all(JSON.stringify(msisdns));
    return new Map(rows.map((r) => [r.msisdn, r]));
  }

  /** Limits of lines in these groups (null = all), by msisdn, after `after`. */
  list(groups: string[] | null, after: string, limit: number): LimitRecord[] {
    return this.q<{ groups: string | null; after: string; limit: number }, LimitRecord>(
      `SELECT ${LIMIT_COLUMNS.split(', ')
        .map((c) => `l.${c}`)
        .join(', ')} FROM limits l JOIN numbers n ON n.msisdn = l.msisdn
          WHERE (@groups IS NULL OR n.group_id IN (SELECT value FROM json_each(@groups))) AND l.msisdn > @after
          ORDER BY l.msisdn LIMIT @limit`,
    ).all({ groups: groups ? JSON.stringify(groups) : null, after, limit });
  }

  /** Every group limit. */
  groupLimits(): GroupLimitRecord[] {
    return this.q<[], GroupLimitRecord>(
      `SELECT group_id AS groupId, monthly, action, set_at AS setAt, set_by AS setBy, created_by AS createdBy
           FROM group_limits ORDER BY group_id`,
    ).all();
  }

  setGroup(r: GroupLimitRecord): void {
    this.q(
      `INSERT INTO group_limits (group_id, monthly, action, set_at, set_by, created_by)
         VALUES (@groupId, @monthly, @action, @setAt, @setBy, @createdBy)
         ON CONFLICT (group_id) DO UPDATE SET monthly = excluded.monthly, action = excluded.action,
           set_at = excluded.set_at, set_by = excluded.set_by, created_by = excluded.created_by`,
    ).run(r);
  }

  removeGroup(groupId: string): boolean {
    return this.q('DELETE FROM group_limits WHERE group_id = ?').run(groupId).changes > 0;
  }

  /** Records a breach once per period; false if this period already has one. */
  breach(b: BreachRecord): boolean {
    return (
      this.q(
        `INSERT OR IGNORE INTO limit_breaches (msisdn, period_start, time, monthly, spent, action, operation_id)
           VALUES (@msisdn, @periodStart, @time, @monthly, @spent, @action, @operationId)`,
      ).run(b).changes > 0
    );
  }

  /**
   * Records breaches, each at most once per line and period; returns the ones that are new (one
   * statement for a chunk's lines over their limits, which stay over for the rest of the period).
   */
  recordBreaches(rows: BreachRecord[]): BreachRecord[] {
    if (rows.length === 0) return [];
    const fresh = this.q<[string], { msisdn: string }>(
      `INSERT OR IGNORE INTO limit_breaches (msisdn, period_start, time, monthly, spent, action, operation_id)
         SELECT value ->> 'msisdn', value ->> 'periodStart', value ->> 'time', value ->> 'monthly',
                value ->> 'spent', value ->> 'action', value ->> 'operationId'
           FROM json_each(?) WHERE true
         RETURNING msisdn`,
    ).all(JSON.stringify(rows));
    const added = new Set(fresh.map((f) => f.msisdn));
    return rows.filter((r) => added.has(r.msisdn));
  }

  /** The block operations of new crossings (rare: a block rule crossed). */
  setCrossingOperations(rows: CrossingRecord[]): void {
    const stmt = this.q(
      `UPDATE alert_crossings SET operation_id = @operationId
        WHERE msisdn = @msisdn AND period_start = @periodStart AND rule = @rule AND threshold = @threshold`,
    );
    for (const r of rows)
      stmt.run({
        operationId: r.operationId,
        msisdn: r.msisdn,
        periodStart: r.periodStart,
        rule: r.rule,
        threshold: r.threshold,
      });
  }

  setBreachOperation(msisdns: string[], periodStarts: Map<string, string>, operationId: string): void {
    const stmt = this.q('UPDATE limit_breaches SET operation_id = ? WHERE msisdn = ? AND period_start = ?');
    for (const m of msisdns) stmt.run(operationId, m, periodStarts.get(m));
  }

  /** True if any alert rule exists: billing's check costs one look when there is none. */
  hasAlertRules(): boolean {
    return this.q('SELECT 1 FROM alert_rules LIMIT 1').get() !== undefined;
  }

  /** The rules set on these numbers (on them, not on their groups). */
  alertRulesOf(msisdns: string[]): AlertRuleRecord[] {
    if (msisdns.length === 0) return [];
    return this.q<[string], AlertRuleRow>(
      `SELECT ${RULE_COLUMNS} FROM alert_rules r
          WHERE r.target_kind = 'number' AND r.target IN (SELECT value FROM json_each(?)) ORDER BY r.id`,
    )
      .all(JSON.stringify(msisdns))
      .map(ruleOf);
  }

  /** Every rule set on a group (a few: people set them one by one). */
  groupAlertRules(): AlertRuleRecord[] {
    return this.q<[], AlertRuleRow>(
      `SELECT ${RULE_COLUMNS} FROM alert_rules r WHERE r.target_kind = 'group' ORDER BY r.id`,
    )
      .all()
      .map(ruleOf);
  }

  /** Rules by id (unknown ids left out). */
  alertRulesById(ids: number[]): AlertRuleRecord[] {
    if (ids.length === 0) return [];
    return this.q<[string], AlertRuleRow>(
      `SELECT ${RULE_COLUMNS} FROM alert_rules r WHERE r.id IN (SELECT value FROM json_each(?)) ORDER BY r.id`,
    )
      .all(JSON.stringify(ids))
      .map(ruleOf);
  }

  /** The rules of one key on these targets (all of one kind). */
  alertRulesWithKey(kind: AlertTarget['kind'], targets: string[], key: AlertKey): AlertRuleRecord[] {
    if (targets.length === 0) return [];
    return this.q<
      { kind: string; targets: string; metric: string; period: string; ofLimit: number; threshold: number },
      AlertRuleRow
    >(
      `SELECT ${RULE_COLUMNS} FROM alert_rules r
          WHERE r.target_kind = @kind AND r.target IN (SELECT value FROM json_each(@targets))
            AND r.metric = @metric AND r.period = @period AND r.of_limit = @ofLimit AND r.threshold = @threshold
          ORDER BY r.id`,
    )
      .all({ kind, targets: JSON.stringify(targets), ...keyParams(key) })
      .map(ruleOf);
  }

  /** The ids of one key's rules on these targets (all of one kind), by target: a light lookup of a long list. */
  alertRuleIdsWithKey(kind: AlertTarget['kind'], targets: string[], key: AlertKey): Map<string, number> {
    const out = new Map<string, number>();
    if (targets.length === 0) return out;
    const rows = this.q<
      { kind: string; targets: string; metric: string; period: string; ofLimit: number; threshold: number },
      { target: string; id: number }
    >(
      `SELECT r.target, r.id FROM alert_rules r
        WHERE r.target_kind = @kind AND r.target IN (SELECT value FROM json_each(@targets))
          AND r.metric = @metric AND r.period = @period AND r.of_limit = @ofLimit AND r.threshold = @threshold`,
    ).all({ kind, targets: JSON.stringify(targets), ...keyParams(key) });
    for (const r of rows) out.set(r.target, r.id);
    return out;
  }

  /**
   * Rules visible in these groups (null = all: a number's rule by the number's group, a group's by the
   * group), of one metric if given, after id `after`, in id order.
   */
  listAlertRules(
    groups: string[] | null,
    metric: string | null,
    after: number,
    limit: number,
  ): AlertRuleRecord[] {
    return this.q<
      { groups: string | null; metric: string | null; after: number; limit: number },
      AlertRuleRow
    >(
      `SELECT ${RULE_COLUMNS} FROM alert_rules r LEFT JOIN numbers n ON r.target_kind = 'number' AND n.msisdn = r.target
          WHERE r.id > @after AND (@metric IS NULL OR r.metric = @metric)
            AND (@groups IS NULL
              OR (r.target_kind = 'group' AND r.target IN (SELECT value FROM json_each(@groups)))
              OR (r.target_kind = 'number' AND n.group_id IN (SELECT value FROM json_each(@groups))))
          ORDER BY r.id LIMIT @limit`,
    )
      .all({ groups: groups ? JSON.stringify(groups) : null, metric, after, limit })
      .map(ruleOf);
  }

  /**
   * Sets one rule on each target (all of one kind): a target with a rule of the same key has it replaced
   * (its id kept), the others get a new one. Returns the ids in the targets' order and how many were new.
   */
  setAlertRules(
    kind: AlertTarget['kind'],
    targets: string[],
    rule: AlertRuleBody,
  ): { ids: number[]; created: number } {
    const before = this.alertRuleIdsWithKey(kind, targets, rule);
    this.q(
      `INSERT INTO alert_rules (target_kind, target, metric, period, of_limit, threshold, action, notify, set_at, set_by, created_by)
         SELECT @kind, value, @metric, @period, @ofLimit, @threshold, @action, @notify, @setAt, @setBy, @createdBy
           FROM json_each(@targets) WHERE true
         ON CONFLICT (target_kind, target, metric, period, of_limit, threshold) DO UPDATE SET
           action = excluded.action, notify = excluded.notify, set_at = excluded.set_at,
           set_by = excluded.set_by, created_by = excluded.created_by`,
    ).run({
      kind,
      targets: JSON.stringify(targets),
      ...keyParams(rule),
      action: rule.action,
      notify: JSON.stringify(rule.notify),
      setAt: rule.setAt,
      setBy: rule.setBy,
      createdBy: rule.createdBy,
    });
    const ids = this.alertRuleIdsWithKey(kind, targets, rule);
    return {
      ids: targets.map((t) => ids.get(t) as number),
      created: targets.filter((t) => !before.has(t)).length,
    };
  }

  /** Removes rules by id; returns how many there were. */
  removeAlertRules(ids: number[]): number {
    if (ids.length === 0) return 0;
    return this.q('DELETE FROM alert_rules WHERE id IN (SELECT value FROM json_each(?))').run(
      JSON.stringify(ids),
    ).changes;
  }

  /**
   * Records crossings, each at most once (its key: number, period start, rule, threshold); returns the
   * ones that are new — a replayed chunk or a second look in the same period finds its row.
   */
  recordCrossings(rows: CrossingRecord[]): CrossingRecord[] {
    if (rows.length === 0) return [];
    const fresh = this.q<[string], { i: number }>(
      `INSERT OR IGNORE INTO alert_crossings
           (msisdn, period_start, rule, threshold, time, metric, amount, value, action, operation_id)
         SELECT value ->> 'msisdn', value ->> 'periodStart', value ->> 'rule', value ->> 'threshold',
                value ->> 'time', value ->> 'metric', value ->> 'amount', value ->> 'value', value ->> 'action',
                value ->> 'operationId'
           FROM json_each(?) WHERE true
         RETURNING msisdn, period_start, rule, threshold`,
    ).all(JSON.stringify(rows)) as unknown as {
      msisdn: string;
      period_start: string;
      rule: string;
      threshold: number;
    }[];
    const key = (m: string, p: string, r: string, t: number) => `${m}|${p}|${r}|${t}`;
    const added = new Set(fresh.map((f) => key(f.msisdn, f.period_start, f.rule, f.threshold)));
    return rows.filter((r) => added.has(key(r.msisdn, r.periodStart, r.rule, r.threshold)));
  }

  /**
   * Forgets what is no longer needed: crossings of periods that began before `periodBefore` (a period is
   * at most 31 days; nothing looks at older ones) and request keys older than `keysBefore`, a few
   * thousand at a time.
   */
  pruneAlerts(periodBefore: string, keysBefore: string): void {
    this.q(
      `DELETE FROM alert_crossings WHERE (msisdn, period_start, rule, threshold) IN
           (SELECT msisdn, period_start, rule, threshold FROM alert_crossings WHERE period_start < ? LIMIT 5000)`,
    ).run(periodBefore);
    this.q(
      `DELETE FROM alert_requests WHERE (user_id, key) IN
           (SELECT user_id, key FROM alert_requests WHERE created_at < ? LIMIT 5000)`,
    ).run(keysBefore);
  }

  /** The request a user sent with this Idempotency-Key, if kept. */
  alertRequest(userId: number, key: string): AlertRequestRecord | undefined {
    const row = this.q<[number, string], { bodyHash: string; result: string }>(
      'SELECT body_hash AS bodyHash, result FROM alert_requests WHERE user_id = ? AND key = ?',
    ).get(userId, key);
    return row && { bodyHash: row.bodyHash, result: JSON.parse(row.result) as unknown };
  }

  /** Keeps a request's answer under its Idempotency-Key. */
  keepAlertRequest(userId: number, key: string, bodyHash: string, result: unknown, at: string): void {
    this.q(
      'INSERT INTO alert_requests (user_id, key, body_hash, result, created_at) VALUES (?, ?, ?, ?, ?)',
    ).run(userId, key, bodyHash, JSON.stringify(result), at);
  }

  /** Breaches of lines in these groups (null = all) with time in [from, to), newest first. */
  breaches(groups: string[] | null, from: string, to: string): BreachRecord[] {
    return this.q<{ groups: string | null; from: string; to: string }, BreachRecord>(
      `SELECT ${BREACH_COLUMNS.split(', ')
        .map((c) => `b.${c}`)
        .join(', ')} FROM limit_breaches b JOIN numbers n ON n.msisdn = b.msisdn
          WHERE (@groups IS NULL OR n.group_id IN (SELECT value FROM json_each(@groups)))
            AND b.time >= @from AND b.time < @to ORDER BY b.time DESC, b.msisdn`,
    ).all({ groups: groups ? JSON.stringify(groups) : null, from, to });
  }
}

function keyParams(k: AlertKey): { metric: string; period: string; ofLimit: number; threshold: number } {
  return { metric: k.metric, period: k.period, ofLimit: k.ofLimit ? 1 : 0, threshold: k.threshold };
}
