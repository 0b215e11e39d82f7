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

  /** How many requests are queued and being prepared, of everyone. */
  counts(): OpenJobs {
    return countOpenJobs(this.db, 'detail_requests', null);
  }
}
