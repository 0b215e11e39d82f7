import type { CdrRecord, DaySummary } from '../../domain/cdr.js';
import { addDays, periodOf } from '../../domain/billing.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

/** What kind of money a charge is. */
export type ChargeKind = 'tariff_fee' | 'service_fee' | 'usage' | 'one_time';

/** A charge to record: exactly once per (kind, ref, msisdn). */
export interface ChargeInput {
  time: string;
  accountId: string;
  msisdn: string | null;
  kind: ChargeKind;
  ref: string;
  amount: number;
}

/** Usage over some days: what reports show and tariffs are priced on. */
export interface UsageTotals {
  calls: number;
  minutes: number;
  sms: number;
  dataMb: number;
  roamingMinutes: number;
  roamingMb: number;
  cost: number;
}

/** Where a stored day left the allowance. */
export type UsageEnd = Pick<UsageDay, 'msisdn' | 'day' | 'endMinutes' | 'endSms' | 'endMb'>;
/** Consecutive stored days of a line, `first` to `day` (its last), and where the last left the allowance. */
export type UsageRun = UsageEnd & { first: string };
/** A stored day's size. */
export type UsageCount = Pick<UsageDay, 'msisdn' | 'day' | 'records' | 'cost' | 'materialized'>;

/** A line as billing and the CDR generator see it. */
export interface BillingLine {
  msisdn: string;
  accountId: string;
  billingDay: number;
  region: string;
  groupId: string;
  employee: string;
  status: string;
  blockReason: string | null;
  tariff: string;
  monthlyFee: number;
  minutes: number;
  sms: number;
  dataMb: number;
  roamingIncluded: number;
  activatedAt: string;
  blockedSince: string | null;
}

/** A day of one line's usage, as stored: the day's totals and the allowance used before and after it. */
export interface UsageDay extends DaySummary {
  msisdn: string;
  day: string;
  accountId: string;
  tariff: string;
  usedMinutes: number;
  usedSms: number;
  usedMb: number;
  endMinutes: number;
  endSms: number;
  endMb: number;
  materialized: number;
}

const LINE_COLUMNS = `n.msisdn, n.account_id AS accountId, a.billing_day AS billingDay, n.region, n.group_id AS groupId,
  n.employee, n.status, n.block_reason AS blockReason, n.tariff, t.monthly_fee AS monthlyFee, t.minutes, t.sms, t.data_mb AS dataMb,
  t.roaming_included AS roamingIncluded, n.activated_at AS activatedAt, n.blocked_since AS blockedSince`;
const LINE_FROM = 'numbers n JOIN accounts a ON a.id = n.account_id JOIN tariffs t ON t.code = n.tariff';
const USAGE_COLUMNS = `msisdn, day, account_id AS accountId, tariff, used_minutes AS usedMinutes, used_sms AS usedSms,
  used_mb AS usedMb, end_minutes AS endMinutes, end_sms AS endSms, end_mb AS endMb, records, minutes, calls, sms,
  data_mb AS dataMb, bytes, roaming_minutes AS roamingMinutes, roaming_mb AS roamingMb, cost, materialized`;

const USAGE_INSERT_COLUMNS = `msisdn, day, account_id, tariff, used_minutes, used_sms, used_mb, end_minutes,
  end_sms, end_mb, records, minutes, calls, sms, data_mb, bytes, roaming_minutes, roaming_mb, cost, materialized`;
const USAGE_FIELDS = 20;
const USAGE_ROW = `(${Array(USAGE_FIELDS).fill('?').join(', ')})`;
/** Rows per statement of a UsageWriter (640 parameters; SQLite allows 32,766). */
const USAGE_BATCH = 32;

/** A line's charges in its billing period so far, and on one day of it (kopecks). */
export interface LineSpend {
  month: number;
  day: number;
}

/** A line's usage in its billing period so far, and on one day of it (MB, minutes, SMS; roaming included). */
export interface LineUsage {
  dataMonth: number;
  minutesMonth: number;
  smsMonth: number;
  dataDay: number;
  minutesDay: number;
  smsDay: number;
}

/** Usage days to store, a batch at a time (see BillingRepo.usageWriter). */
export interface UsageWriter {
  add(u: UsageDay): void;
  /** Stores the rows still held. */
  flush(): void;
}

/** Charges, daily usage and call detail records. Callers hold the transaction. */
export class BillingRepo {
  private readonly chargeStmt;
  private readonly balanceStmt;
  private readonly billingDayStmt;
  private readonly insertUsageStmt;
  private readonly insertCdrStmt;
  private readonly chunkStatements = new Map<string, Statement<[string, string, string], Buffer | null>>();

  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {
    this.chargeStmt = db.prepare(
      `INSERT OR IGNORE INTO charges (time, account_id, msisdn, kind, ref, amount, period_start, applied)
       VALUES (@time, @accountId, @msisdn, @kind, @ref, @amount, @periodStart, 1)`,
    );
    this.balanceStmt = db.prepare<[number, string]>('UPDATE accounts SET balance = balance - ? WHERE id = ?');
    this.billingDayStmt = db.prepare<[string], { billingDay: number }>(
      'SELECT billing_day AS billingDay FROM accounts WHERE id = ?',
    );
    this.insertUsageStmt = db.prepare(
      `INSERT OR IGNORE INTO usage_days (${USAGE_INSERT_COLUMNS}) VALUES ${USAGE_ROW}`,
    );
    this.insertCdrStmt = db.prepare(
      `INSERT OR IGNORE INTO cdr (msisdn, started_at, seq, kind, direction, peer, peer_name, location, seconds, bytes, cost)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** A prepared statement, compiled once per SQL text (exports run thousands of small queries). */
  private q<P extends unknown[] | object = unknown[], R = unknown>(sql: string): Statement<P, R> {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s as unknown as Statement<P, R>;
  }

  /**
   * Records a charge and takes it from the balance; false (and nothing taken) when this charge was
   * already made — so a replayed billing step never charges twice.
   */
  charge(c: ChargeInput): boolean {
    const billingDay = this.billingDayStmt.get(c.accountId)?.billingDay ?? 1;
    const inserted =
      this.chargeStmt.run({ ...c, periodStart: periodOf(c.time.slice(0, 10), billingDay).start }).changes > 0;
    if (inserted && c.amount !== 0) this.balanceStmt.run(c.amount, c.accountId);
    return inserted;
  }

  /** The billing days of the accounts. */
  billingDays(): number[] {
    return this.q<[], { billingDay: number }>(
      'SELECT DISTINCT billing_day AS billingDay FROM accounts ORDER BY billing_day',
    )
      .all()
      .map((r) => r.billingDay);
  }

  /**
   * Records the tariff and service fees of the period starting `periodStart` for every active line of
   * the accounts billed on `billingDay`, as taken already (`applied = 0`: no balance moves), once each —
   * what `charge` does line by line, in two statements: a first start records 100,000 lines' fees with no
   * row passing through JavaScript.
   */
  recordTakenFees(billingDay: number, periodStart: string): void {
    const params = { billingDay, start: periodStart, time: `${periodStart}T00:00:00.000Z` };
    this.q<typeof params>(
      `INSERT OR IGNORE INTO charges (time, account_id, msisdn, kind, ref, amount, period_start, applied)
       SELECT @time, n.account_id, n.msisdn, 'tariff_fee', @start, t.monthly_fee, @start, 0
         FROM ${LINE_FROM} WHERE a.billing_day = @billingDay AND n.status = 'active' ORDER BY n.msisdn`,
    ).run(params);
    this.q<typeof params>(
      `INSERT OR IGNORE INTO charges (time, account_id, msisdn, kind, ref, amount, period_start, applied)
       SELECT @time, n.account_id, n.msisdn, 'service_fee', @start || ':' || ns.service, s.monthly_fee, @start, 0
         FROM ${LINE_FROM} JOIN number_services ns ON ns.msisdn = n.msisdn JOIN services s ON s.code = ns.service
        WHERE a.billing_day = @billingDay AND n.status = 'active' AND s.monthly_fee > 0
        ORDER BY n.msisdn, ns.service`,
    ).run(params);
  }

  /** Lines of the given account billing day (0 = any) and status, after `after` by msisdn. */
  lines(opts: { after: string; limit: number; billingDay?: number; status?: string }): BillingLine[] {
    return this.q<{ after: string; limit: number; billingDay: number; status: string | null }, BillingLine>(
      `SELECT ${LINE_COLUMNS} FROM ${LINE_FROM}
          WHERE n.msisdn > @after AND (@billingDay = 0 OR a.billing_day = @billingDay)
            AND (@status IS NULL OR n.status = @status)
          ORDER BY n.msisdn LIMIT @limit`,
    ).all({
      after: opts.after,
      limit: opts.limit,
      billingDay: opts.billingDay ?? 0,
      status: opts.status ?? null,
    });
  }

  /** These lines (unknown ones left out). */
  linesOf(msisdns: string[]): BillingLine[] {
    if (msisdns.length === 0) return [];
    return this.q<[string], BillingLine>(
      `SELECT ${LINE_COLUMNS} FROM ${LINE_FROM} WHERE n.msisdn IN (SELECT value FROM json_each(?)) ORDER BY n.msisdn`,
    ).all(JSON.stringify(msisdns));
  }

  /** The group of each of these numbers (unknown ones left out): a light lookup of a long list. */
  groupsOf(msisdns: string[]): Map<string, string> {
    if (msisdns.length === 0) return new Map();
    const rows = this.q<[string], { msisdn: string; groupId: string }>(
      'SELECT msisdn, group_id AS groupId FROM numbers WHERE msisdn IN (SELECT value FROM json_each(?))',
    ).all(JSON.stringify(msisdns));
    const out = new Map<string, string>();
    for (const r of rows) out.set(r.msisdn, r.groupId);
    return out;
  }

  /** The numbers in these groups (null = all), in order. */
  msisdnsIn(groups: string[] | null, after = '', limit = -1): string[] {
    return this.q<{ groups: string | null; after: string; limit: number }, { msisdn: string }>(
      `SELECT msisdn FROM numbers WHERE (@groups IS NULL OR group_id IN (SELECT value FROM json_each(@groups)))
         AND msisdn > @after ORDER BY msisdn LIMIT @limit`,
    )
      .all({ groups: groups ? JSON.stringify(groups) : null, after, limit })
      .map((r) => r.msisdn);
  }

  /** Which of `msisdns` these groups hold (all of them with null), in number order: a lookup of a few. */
  msisdnsAmong(groups: string[] | null, msisdns: string[]): string[] {
    return this.q<{ groups: string | null; msisdns: string }, { msisdn: string }>(
      `SELECT msisdn FROM numbers WHERE msisdn IN (SELECT value FROM json_each(@msisdns))
         AND (@groups IS NULL OR group_id IN (SELECT value FROM json_each(@groups))) ORDER BY msisdn`,
    )
      .all({ groups: groups ? JSON.stringify(groups) : null, msisdns: JSON.stringify(msisdns) })
      .map((r) => r.msisdn);
  }

  /** How many numbers these groups hold (all of them with null). */
  countIn(groups: string[] | null): number {
    return (
      this.q<{ groups: string | null }, { n: number }>(
        `SELECT count(*) AS n FROM numbers WHERE (@groups IS NULL OR group_id IN (SELECT value FROM json_each(@groups)))`,
      ).get({ groups: groups ? JSON.stringify(groups) : null })?.n ?? 0
    );
  }

  /** Monthly fees of the services on these lines: msisdn → [service, fee][]. */
  serviceFees(msisdns: string[]): Map<string, [string, number][]> {
    const out = new Map<string, [string, number][]>();
    if (msisdns.length === 0) return out;
    const rows = this.q<[string], { msisdn: string; service: string; fee: number }>(
      `SELECT ns.msisdn, ns.service, s.monthly_fee AS fee FROM number_services ns JOIN services s ON s.code = ns.service
          WHERE ns.msisdn IN (SELECT value FROM json_each(?)) AND s.monthly_fee > 0 ORDER BY ns.msisdn, ns.service`,
    ).all(JSON.stringify(msisdns));
    for (const r of rows) {
      const list = out.get(r.msisdn) ?? [];
      list.push([r.service, r.fee]);
      out.set(r.msisdn, list);
    }
    return out;
  }

  /** Stores a day of usage (once); true if it was new. */
  insertUsage(u: UsageDay): boolean {
    // Positional, not named: the history backfill stores millions of days, and binding an object's 20
    // names costs a third more than 20 values in order.
    return this.insertUsageStmt.run(...pushUsageValues([], u)).changes > 0;
  }

  /**
   * Stores usage days (each once) a batch at a time: a statement of USAGE_BATCH rows binds and steps
   * once where one row a statement did it USAGE_BATCH times (the history backfill stores millions).
   * Call `flush` before the transaction ends: it stores the rows still held.
   */
  usageWriter(): UsageWriter {
    const batch = this.q(
      `INSERT OR IGNORE INTO usage_days (${USAGE_INSERT_COLUMNS}) VALUES ${Array(USAGE_BATCH).fill(USAGE_ROW).join(', ')}`,
    );
    const values: (string | number)[] = [];
    return {
      add: (u) => {
        pushUsageValues(values, u); // no array a day: the backfill stores millions
        if (values.length === USAGE_BATCH * USAGE_FIELDS) {
          // Spread, not the array: better-sqlite3 reads an array element by element through V8's slow
          // property lookup, which cost 15% of the insert.
          batch.run(...values);
          values.length = 0;
        }
      },
      flush: () => {
        for (let at = 0; at < values.length; at += USAGE_FIELDS)
          this.insertUsageStmt.run(...values.slice(at, at + USAGE_FIELDS));
        values.length = 0;
      },
    };
  }

  /** The last stored usage day of a line in [from, before). */
  lastUsage(msisdn: string, from: string, before: string): UsageDay | undefined {
    return this.q<[string, string, string], UsageDay>(
      `SELECT ${USAGE_COLUMNS} FROM usage_days WHERE msisdn = ? AND day >= ? AND day < ? ORDER BY day DESC LIMIT 1`,
    ).get(msisdn, from, before);
  }

  /**
   * The stored days of these lines in [from, to) as runs of consecutive days, each with where its last
   * day left the allowance (history checks), by line, in day order; lines without any are absent. A
   * line's stored days are mostly one run (the later part of a period, filled with the month after it):
   * one row a line from SQLite instead of a row a day (reading those cost 8% of the history thread at
   * 100,000 lines); only a line with gaps has its days read one by one.
   */
  usageRuns(msisdns: string[], from: string, to: string): Map<string, UsageRun[]> {
    const runs = new Map<string, UsageRun[]>();
    if (msisdns.length === 0) return runs;
    // The bare columns of a max() aggregate come from the row holding the max: the last day. The rows
    // come in msisdn order from the IN list's index, so the GROUP BY sorts nothing.
    const lines = this.q<[string, string, string], UsageRun & { whole: number }>(
      `SELECT msisdn, min(day) AS first, max(day) AS day, end_minutes AS endMinutes, end_sms AS endSms,
              end_mb AS endMb, CAST(round(julianday(max(day)) - julianday(min(day))) AS INTEGER) + 1 = count(*) AS whole
         FROM usage_days WHERE msisdn IN (SELECT value FROM json_each(?)) AND day >= ? AND day < ? GROUP BY msisdn`,
    ).all(JSON.stringify(msisdns), from, to);
    const gaps: string[] = [];
    for (const { whole, ...run } of lines) {
      if (whole) runs.set(run.msisdn, [run]);
      else gaps.push(run.msisdn);
    }
    if (gaps.length === 0) return runs;
    const days = this.q<[string, string, string], UsageEnd>(
      `SELECT msisdn, day, end_minutes AS endMinutes, end_sms AS endSms, end_mb AS endMb FROM usage_days
        WHERE msisdn IN (SELECT value FROM json_each(?)) AND day >= ? AND day < ? ORDER BY msisdn, day`,
    ).all(JSON.stringify(gaps), from, to);
    for (const d of days) {
      const list = runs.get(d.msisdn) ?? [];
      const last = list[list.length - 1];
      if (last && addDays(last.day, 1) === d.day) Object.assign(last, d, { first: last.first });
      else list.push({ ...d, first: d.day });
      runs.set(d.msisdn, list);
    }
    return runs;
  }

  /** Records, cost and whether the records are stored, per day of these lines in [from, to). */
  usageCounts(msisdns: string[], from: string, to: string): UsageCount[] {
    if (msisdns.length === 0) return [];
    return this.q<[string, string, string], UsageCount>(
      `SELECT msisdn, day, records, cost, materialized FROM usage_days
        WHERE msisdn IN (SELECT value FROM json_each(?)) AND day >= ? AND day < ? ORDER BY msisdn, day`,
    ).all(JSON.stringify(msisdns), from, to);
  }

  /** Usage totals per line over [from, to) (lines without stored days are absent). */
  usageSums(msisdns: string[], from: string, to: string): Map<string, UsageTotals> {
    if (msisdns.length === 0) return new Map();
    const rows = this.q<[string, string, string], UsageTotals & { msisdn: string }>(
      `SELECT msisdn, sum(calls) AS calls, sum(minutes) AS minutes, sum(sms) AS sms, sum(data_mb) AS dataMb,
              sum(roaming_minutes) AS roamingMinutes, sum(roaming_mb) AS roamingMb, sum(cost) AS cost
         FROM usage_days WHERE msisdn IN (SELECT value FROM json_each(?)) AND day >= ? AND day < ? GROUP BY msisdn`,
    ).all(JSON.stringify(msisdns), from, to);
    return new Map(rows.map(({ msisdn, ...t }) => [msisdn, t]));
  }

  /** Stored usage days of these lines in [from, to). */
  usage(msisdns: string[], from: string, to: string): UsageDay[] {
    if (msisdns.length === 0) return [];
    return this.q<[string, string, string], UsageDay>(
      `SELECT ${USAGE_COLUMNS} FROM usage_days
          WHERE msisdn IN (SELECT value FROM json_each(?)) AND day >= ? AND day < ? ORDER BY msisdn, day`,
    ).all(JSON.stringify(msisdns), from, to);
  }

  /** Stores a day's records and (unless its row says so already) marks the day materialized. */
  insertCdr(msisdn: string, day: string, records: CdrRecord[], markDay = true): void {
    let seq = 0;
    let last = '';
    for (const r of records) {
      seq = r.time === last ? seq + 1 : 0;
      last = r.time;
      this.insertCdrStmt.run(
        msisdn,
        r.time,
        seq,
        r.kind,
        r.direction,
        r.peer,
        r.peerName,
        r.location,
        r.seconds,
        r.bytes,
        r.cost,
      );
    }
    if (markDay)
      this.q('UPDATE usage_days SET materialized = 1 WHERE msisdn = ? AND day = ?').run(msisdn, day);
  }

  /** Sum of a line's charges in the billing period starting `periodStart`. */
  spent(msisdn: string, periodStart: string): number {
    return (
      this.q<[string, string], { s: number | null }>(
        'SELECT sum(amount) AS s FROM charges WHERE msisdn = ? AND period_start = ?',
      ).get(msisdn, periodStart)?.s ?? 0
    );
  }

  /**
   * Charges of lines in their billing periods, and of the day `day` among them: per line (its msisdn
   * and the start of its period holding `day`), one statement for a chunk of lines, each line an index
   * range of its period's charges. Lines without a charge are left out.
   */
  spendTotals(lines: { msisdn: string; periodStart: string }[], day: string): Map<string, LineSpend> {
    const out = new Map<string, LineSpend>();
    if (lines.length === 0) return out;
    const rows = this.q<{ lines: string; from: string; to: string }, LineSpend & { msisdn: string }>(
      `SELECT c.msisdn, sum(c.amount) AS month,
              sum(CASE WHEN c.time >= @from AND c.time < @to THEN c.amount ELSE 0 END) AS day
         FROM json_each(@lines) j
         JOIN charges c ON c.msisdn = j.value ->> '$[0]' AND c.period_start = j.value ->> '$[1]'
        GROUP BY c.msisdn`,
    ).all({
      lines: JSON.stringify(lines.map((l) => [l.msisdn, l.periodStart])),
      from: `${day}T00:00:00.000Z`,
      to: `${addDays(day, 1)}T00:00:00.000Z`,
    });
    for (const r of rows) out.set(r.msisdn, { month: r.month, day: r.day });
    return out;
  }

  /**
   * Usage of lines from a day on (per line: its msisdn and the first day counted) through `day`, and
   * of `day` alone: data in MB, call minutes and SMS, roaming included. One statement for a chunk of
   * lines. Lines without a stored day are left out.
   */
  usageTotals(lines: { msisdn: string; from: string }[], day: string): Map<string, LineUsage> {
    const out = new Map<string, LineUsage>();
    if (lines.length === 0) return out;
    const rows = this.q<{ lines: string; day: string }, LineUsage & { msisdn: string }>(
      `SELECT u.msisdn,
              sum(u.data_mb + u.roaming_mb) AS dataMonth, sum(u.minutes + u.roaming_minutes) AS minutesMonth,
              sum(u.sms) AS smsMonth,
              sum(CASE WHEN u.day = @day THEN u.data_mb + u.roaming_mb ELSE 0 END) AS dataDay,
              sum(CASE WHEN u.day = @day THEN u.minutes + u.roaming_minutes ELSE 0 END) AS minutesDay,
              sum(CASE WHEN u.day = @day THEN u.sms ELSE 0 END) AS smsDay
         FROM json_each(@lines) j
         JOIN usage_days u ON u.msisdn = j.value ->> '$[0]' AND u.day >= j.value ->> '$[1]' AND u.day <= @day
        GROUP BY u.msisdn`,
    ).all({ lines: JSON.stringify(lines.map((l) => [l.msisdn, l.from])), day });
    for (const r of rows) {
      out.set(r.msisdn, {
        dataMonth: r.dataMonth,
        minutesMonth: r.minutesMonth,
        smsMonth: r.smsMonth,
        dataDay: r.dataDay,
        minutesDay: r.minutesDay,
        smsDay: r.smsDay,
      });
    }
    return out;
  }

  /** An account's charges in the period starting `periodStart`, by kind. */
  accountCharges(accountId: string, periodStart: string): Record<ChargeKind, number> {
    const out: Record<ChargeKind, number> = { tariff_fee: 0, service_fee: 0, usage: 0, one_time: 0 };
    const rows = this.q<[string, string], { kind: ChargeKind; s: number }>(
      'SELECT kind, sum(amount) AS s FROM charges WHERE account_id = ? AND period_start = ? GROUP BY kind',
    ).all(accountId, periodStart);
    for (const r of rows) out[r.kind] = r.s;
    return out;
  }

  /** The usage cost of an account's lines over [from, to). */
  accountUsageCost(accountId: string, from: string, to: string): number {
    return (
      this.q<[string, string, string], { cost: number | null }>(
        'SELECT sum(cost) AS cost FROM usage_days WHERE account_id = ? AND day >= ? AND day < ?',
      ).get(accountId, from, to)?.cost ?? 0
    );
  }

  /** Charges per line (or group/account) over [from, to) by period start, for reports. */
  chargesByLine(
    msisdns: string[],
    from: string,
    to: string,
  ): { msisdn: string; accountId: string; kind: ChargeKind; amount: number }[] {
    if (msisdns.length === 0) return [];
    return this.q<
      [string, string, string],
      { msisdn: string; accountId: string; kind: ChargeKind; amount: number }
    >(
      `SELECT msisdn, account_id AS accountId, kind, sum(amount) AS amount FROM charges
          WHERE msisdn IN (SELECT value FROM json_each(?)) AND time >= ? AND time < ?
          GROUP BY msisdn, account_id, kind ORDER BY msisdn`,
    ).all(JSON.stringify(msisdns), from, to);
  }
}

/** Appends a usage day's values in the order of USAGE_INSERT_COLUMNS (positional binding: see insertUsage). */
function pushUsageValues(values: (string | number)[], u: UsageDay): (string | number)[] {
  values.push(
    u.msisdn,
    u.day,
    u.accountId,
    u.tariff,
    u.usedMinutes,
    u.usedSms,
    u.usedMb,
    u.endMinutes,
    u.endSms,
    u.endMb,
    u.records,
    u.minutes,
    u.calls,
    u.sms,
    u.dataMb,
    u.bytes,
    u.roamingMinutes,
    u.roamingMb,
    u.cost,
    u.materialized,
  );
  return values;
}
