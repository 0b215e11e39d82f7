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

const LIMIT_COLUMNS = 'msisdn, monthly, action, set_at AS setAt, set_by AS setBy, created_by AS createdBy';
const BREACH_COLUMNS =
  'msisdn, period_start AS periodStart, time, monthly, spent, action, operation_id AS operationId';

/** Spending limits and their breaches. A number's own limit is written by its limit.set/limit.remove operation (ChangesRepo). */
export class LimitsRepo {
  constructor(private readonly db: Db) {}

  /** The limits of these lines. */
  of(msisdns: string[]): Map<string, LimitRecord> {
    if (msisdns.length === 0) return new Map();
    const rows = this.db
      .prepare<[string], LimitRecord>(
        `SELECT ${LIMIT_COLUMNS} FROM limits WHERE msisdn IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(msisdns));
    return new Map(rows.map((r) => [r.msisdn, r]));
  }

  /** Limits of lines in these groups (null = all), by msisdn, after `after`. */
  list(groups: string[] | null, after: string, limit: number): LimitRecord[] {
    return this.db
      .prepare<{ groups: string | null; after: string; limit: number }, LimitRecord>(
        `SELECT ${LIMIT_COLUMNS.split(', ')
          .map((c) => `l.${c}`)
          .join(', ')} FROM limits l JOIN numbers n ON n.msisdn = l.msisdn
          WHERE (@groups IS NULL OR n.group_id IN (SELECT value FROM json_each(@groups))) AND l.msisdn > @after
          ORDER BY l.msisdn LIMIT @limit`,
      )
      .all({ groups: groups ? JSON.stringify(groups) : null, after, limit });
  }

  /** Every group limit. */
  groupLimits(): GroupLimitRecord[] {
    return this.db
      .prepare<[], GroupLimitRecord>(
        `SELECT group_id AS groupId, monthly, action, set_at AS setAt, set_by AS setBy, created_by AS createdBy
           FROM group_limits ORDER BY group_id`,
      )
      .all();
  }

  setGroup(r: GroupLimitRecord): void {
    this.db
      .prepare(
        `INSERT INTO group_limits (group_id, monthly, action, set_at, set_by, created_by)
         VALUES (@groupId, @monthly, @action, @setAt, @setBy, @createdBy)
         ON CONFLICT (group_id) DO UPDATE SET monthly = excluded.monthly, action = excluded.action,
           set_at = excluded.set_at, set_by = excluded.set_by, created_by = excluded.created_by`,
      )
      .run(r);
  }

  removeGroup(groupId: string): boolean {
    return this.db.prepare('DELETE FROM group_limits WHERE group_id = ?').run(groupId).changes > 0;
  }

  /** Records a breach once per period; false if this period already has one. */
  breach(b: BreachRecord): boolean {
    return (
      this.db
        .prepare(
          `INSERT OR IGNORE INTO limit_breaches (msisdn, period_start, time, monthly, spent, action, operation_id)
           VALUES (@msisdn, @periodStart, @time, @monthly, @spent, @action, @operationId)`,
        )
        .run(b).changes > 0
    );
  }

  setBreachOperation(msisdns: string[], periodStarts: Map<string, string>, operationId: string): void {
    const stmt = this.db.prepare(
      'UPDATE limit_breaches SET operation_id = ? WHERE msisdn = ? AND period_start = ?',
    );
    for (const m of msisdns) stmt.run(operationId, m, periodStarts.get(m));
  }

  /** Breaches of lines in these groups (null = all) with time in [from, to), newest first. */
  breaches(groups: string[] | null, from: string, to: string): BreachRecord[] {
    return this.db
      .prepare<{ groups: string | null; from: string; to: string }, BreachRecord>(
        `SELECT ${BREACH_COLUMNS.split(', ')
          .map((c) => `b.${c}`)
          .join(', ')} FROM limit_breaches b JOIN numbers n ON n.msisdn = b.msisdn
          WHERE (@groups IS NULL OR n.group_id IN (SELECT value FROM json_each(@groups)))
            AND b.time >= @from AND b.time < @to ORDER BY b.time DESC, b.msisdn`,
      )
      .all({ groups: groups ? JSON.stringify(groups) : null, from, to });
  }
}
