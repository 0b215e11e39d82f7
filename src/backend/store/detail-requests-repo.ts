import type { Db } from './db.js';
import { countOpenJobs, type OpenJobs } from './open-jobs.js';

/** An asynchronous call detail export, as stored. */
export interface DetailRequestRecord {
  id: string;
  createdBy: number;
  actor: string;
  idempotencyKey: string | null;
  bodyHash: string;
  numbers: string;
  dayFrom: string;
  dayTo: string;
  state: 'queued' | 'running' | 'done';
  total: number;
  done: number;
  records: number;
  cost: number;
  createdAt: string;
  finishedAt: string | null;
}

const COLUMNS = `id, created_by AS createdBy, actor, idempotency_key AS idempotencyKey, body_hash AS bodyHash,
  numbers, day_from AS dayFrom, day_to AS dayTo, state, total, done, records, cost, created_at AS createdAt,
  finished_at AS finishedAt`;
const SUMMARY = COLUMNS.replace('numbers,', "'' AS numbers,");

/** Detail requests and the numbers each covers. */
export class DetailRequestsRepo {
  constructor(private readonly db: Db) {}

  insert(r: Omit<DetailRequestRecord, 'done' | 'records' | 'cost' | 'finishedAt'>): void {
    this.db
      .prepare(
        `INSERT INTO detail_requests (id, created_by, actor, idempotency_key, body_hash, numbers, day_from, day_to, state, total, created_at)
         VALUES (@id, @createdBy, @actor, @idempotencyKey, @bodyHash, @numbers, @dayFrom, @dayTo, @state, @total, @createdAt)`,
      )
      .run(r);
  }

  /** One request with its number list. */
  get(id: string): DetailRequestRecord | undefined {
    return this.db
      .prepare<[string], DetailRequestRecord>(`SELECT ${COLUMNS} FROM detail_requests WHERE id = ?`)
      .get(id);
  }

  byKey(userId: number, key: string): DetailRequestRecord | undefined {
    return this.db
      .prepare<[number, string], DetailRequestRecord>(
        `SELECT ${SUMMARY} FROM detail_requests WHERE created_by = ? AND idempotency_key = ?`,
      )
      .get(userId, key);
  }

  /** A user's requests (without number lists), newest first, before `before` (created_at|id). */
  list(userId: number, before: string, limit: number): DetailRequestRecord[] {
    return this.db
      .prepare<[number, string, number], DetailRequestRecord>(
        `SELECT ${SUMMARY} FROM detail_requests WHERE created_by = ? AND created_at || '|' || id < ?
          ORDER BY created_at DESC, id DESC LIMIT ?`,
      )
      .all(userId, before, limit);
  }

  /** The oldest request still to prepare. */
  nextPending(): string | undefined {
    return this.db
      .prepare<[], { id: string }>(
        "SELECT id FROM detail_requests WHERE state IN ('queued', 'running') ORDER BY created_at, id LIMIT 1",
      )
      .get()?.id;
  }

  progress(id: string, done: number, records: number, cost: number, finishedAt: string | null): void {
    this.db
      .prepare(
        `UPDATE detail_requests SET done = done + ?, records = records + ?, cost = cost + ?,
           state = CASE WHEN ? IS NULL THEN 'running' ELSE 'done' END, finished_at = ? WHERE id = ?`,
      )
      .run(done, records, cost, finishedAt, finishedAt, id);
  }

  /** Those of these lines that have a stored day for each of the `days` days of [from, to). */
  numbersWithEveryDay(msisdns: readonly string[], from: string, to: string, days: number): Set<string> {
    if (msisdns.length === 0) return new Set();
    return new Set(
      this.db
        .prepare<[string, string, string, number], string>(
          `SELECT msisdn FROM usage_days WHERE msisdn IN (SELECT value FROM json_each(?)) AND day >= ? AND day < ?
            GROUP BY msisdn HAVING count(*) = ?`,
        )
        .pluck()
        .all(JSON.stringify(msisdns), from, to, days),
    );
  }

  /**
   * The records and cost of these lines' stored days in [from, to), added up by SQL, and the days
   * whose records are not stored yet (by number and day). Reading every day as an object to add them
   * up in JavaScript was a third of preparing a request whose records were all stored.
   */
  dayTotals(
    msisdns: readonly string[],
    from: string,
    to: string,
  ): { records: number; cost: number; unstored: { msisdn: string; day: string }[] } {
    if (msisdns.length === 0) return { records: 0, cost: 0, unstored: [] };
    const list = JSON.stringify(msisdns);
    const where = 'msisdn IN (SELECT value FROM json_each(?)) AND day >= ? AND day < ?';
    const totals = this.db
      .prepare<[string, string, string], { records: number; cost: number; unstored: number }>(
        `SELECT ifnull(sum(records), 0) AS records, ifnull(sum(cost), 0) AS cost,
                count(*) FILTER (WHERE materialized = 0) AS unstored
           FROM usage_days WHERE ${where}`,
      )
      .get(list, from, to) ?? { records: 0, cost: 0, unstored: 0 };
    const unstored =
      totals.unstored === 0
        ? []
        : this.db
            .prepare<[string, string, string], { msisdn: string; day: string }>(
              `SELECT msisdn, day FROM usage_days WHERE ${where} AND materialized = 0 ORDER BY msisdn, day`,
            )
            .all(list, from, to);
    return { records: totals.records, cost: totals.cost, unstored };
  }

  /** How many requests are queued and being prepared, of everyone. */
  counts(): OpenJobs {
    return countOpenJobs(this.db, 'detail_requests', null);
  }
}
