import fs from 'node:fs';
import path from 'node:path';
import type { Db } from './db.js';
import { countOpenJobs, type OpenJobs } from './open-jobs.js';

export type ReportJobState = 'queued' | 'running' | 'succeeded' | 'failed';

/** A report job as stored; its result is a file named by its id. */
export interface ReportJobRecord {
  id: string;
  createdBy: number;
  tokenId: number | null;
  actor: string;
  type: string;
  /** The filters, as JSON. */
  query: string;
  state: ReportJobState;
  phase: 'history' | 'numbers' | null;
  done: number;
  total: number;
  rows: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  expiresAt: string | null;
}

const COLUMNS = `id, created_by AS createdBy, token_id AS tokenId, actor, type, query, state, phase, done, total,
  rows, error_code AS errorCode, error_message AS errorMessage, created_at AS createdAt, started_at AS startedAt,
  finished_at AS finishedAt, expires_at AS expiresAt`;

/**
 * A finished job's result: JSON lines (the contract's ReportLine), or, for a job finished by a version
 * earlier version of vm, the Report document whole (kept its REPORT_RESULT_DAYS like any other).
 */
export interface ResultFile {
  path: string;
  format: 'lines' | 'document';
}

/** A job's result file being written (see ReportJobsRepo.resultWriter). */
export interface ResultWriter {
  append(text: string): void;
  /** Renames the whole file into place and marks the job succeeded. */
  commit(rows: number, now: string, expiresAt: string): void;
  /** Closes and removes the unfinished file (the job failed). */
  discard(): void;
}

/** See ReportJobsRepo.scratchFile. */
export interface ScratchFile {
  append(text: string): void;
  /** Bytes appended so far: where the next text starts. */
  size(): number;
  /** `length` bytes from `offset`, as UTF-8 text. */
  read(offset: number, length: number): string;
  remove(): void;
}

/** Report jobs and their result files (in the data dir's `reports/`). */
export class ReportJobsRepo {
  private readonly getStmt;
  private readonly progressStmt;

  constructor(
    private readonly db: Db,
    private readonly dir: string,
  ) {
    this.getStmt = db.prepare<[string], ReportJobRecord>(`SELECT ${COLUMNS} FROM report_jobs WHERE id = ?`);
    this.progressStmt = db.prepare<[string | null, number, number, string]>(
      'UPDATE report_jobs SET phase = ?, done = ?, total = ? WHERE id = ?',
    );
  }

  insert(
    r: Pick<ReportJobRecord, 'id' | 'createdBy' | 'tokenId' | 'actor' | 'type' | 'query' | 'createdAt'>,
  ): void {
    this.db
      .prepare(
        `INSERT INTO report_jobs (id, created_by, token_id, actor, type, query, state, created_at)
         VALUES (@id, @createdBy, @tokenId, @actor, @type, @query, 'queued', @createdAt)`,
      )
      .run(r);
  }

  get(id: string): ReportJobRecord | undefined {
    return this.getStmt.get(id);
  }

  /** A user's jobs, newest first, before `before` (created_at|id). */
  list(userId: number, state: ReportJobState | undefined, before: string, limit: number): ReportJobRecord[] {
    return this.db
      .prepare<{ user: number; state: string | null; before: string; limit: number }, ReportJobRecord>(
        `SELECT ${COLUMNS} FROM report_jobs WHERE created_by = @user AND (@state IS NULL OR state = @state)
          AND created_at || '|' || id < @before ORDER BY created_at DESC, id DESC LIMIT @limit`,
      )
      .all({ user: userId, state: state ?? null, before, limit });
  }

  /** The oldest job still to run (one left running by a stopped backend runs again). */
  next(): ReportJobRecord | undefined {
    return this.db
      .prepare<[], ReportJobRecord>(
        `SELECT ${COLUMNS} FROM report_jobs WHERE state IN ('running', 'queued')
          ORDER BY state = 'queued', created_at, id LIMIT 1`,
      )
      .get();
  }

  /** How many jobs are queued and running, of one user or of everyone. */
  counts(userId?: number): OpenJobs {
    return countOpenJobs(this.db, 'report_jobs', userId ?? null);
  }

  start(id: string, now: string): void {
    this.db.prepare("UPDATE report_jobs SET state = 'running', started_at = ? WHERE id = ?").run(now, id);
  }

  progress(id: string, phase: 'history' | 'numbers', done: number, total: number): void {
    this.progressStmt.run(phase, done, total, id);
  }

  /**
   * Starts a job's result file: text is appended piece by piece (a slice of rows at a time, so 100,000
   * rows are never one string), into a temp file that `commit` renames and marks the job succeeded with
   * (whole or not at all). A restart leaves the temp file; the job runs again and starts it over.
   */
  resultWriter(id: string): ResultWriter {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(id);
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    let open = true;
    const close = () => {
      if (open) fs.closeSync(fd);
      open = false;
    };
    return {
      append: (text) => {
        fs.writeSync(fd, text);
      },
      commit: (rows, now, expiresAt) => {
        close();
        fs.renameSync(tmp, file);
        this.db
          .prepare(
            `UPDATE report_jobs SET state = 'succeeded', phase = NULL, rows = ?, finished_at = ?, expires_at = ?
              WHERE id = ?`,
          )
          .run(rows, now, expiresAt, id);
      },
      discard: () => {
        close();
        fs.rmSync(tmp, { force: true });
      },
    };
  }

  /**
   * A job's scratch file: rows of a report ordered by a number are kept here as they come (not in the
   * heap), each read back by its place when they are written in order. A restart starts it over.
   */
  scratchFile(id: string): ScratchFile {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = `${this.fileOf(id)}.rows`;
    const fd = fs.openSync(file, 'w+', 0o600);
    let size = 0;
    let open = true;
    return {
      append: (text) => {
        size += fs.writeSync(fd, text);
      },
      size: () => size,
      read: (offset, length) => {
        const buf = Buffer.allocUnsafe(length);
        fs.readSync(fd, buf, 0, length, offset);
        return buf.toString('utf8');
      },
      remove: () => {
        if (open) fs.closeSync(fd);
        open = false;
        fs.rmSync(file, { force: true });
      },
    };
  }

  fail(id: string, code: string, message: string, now: string, expiresAt: string): void {
    this.db
      .prepare(
        `UPDATE report_jobs SET state = 'failed', phase = NULL, error_code = ?, error_message = ?,
           finished_at = ?, expires_at = ? WHERE id = ?`,
      )
      .run(code, message, now, expiresAt, id);
  }

  /** A succeeded job's result file; undefined when there is none. */
  resultFile(id: string): ResultFile | undefined {
    const lines = this.fileOf(id);
    if (fs.existsSync(lines)) return { path: lines, format: 'lines' };
    const document = this.documentFileOf(id);
    return fs.existsSync(document) ? { path: document, format: 'document' } : undefined;
  }

  /** Where a job's result file (JSON lines) is written. */
  private fileOf(id: string): string {
    return path.join(this.dir, `${safeName(id)}.jsonl`);
  }

  /** Where an earlier version of vm wrote a job's result, as one Report document. */
  private documentFileOf(id: string): string {
    return path.join(this.dir, `${safeName(id)}.json`);
  }

  /** Deletes jobs (and their files) that expired before `now`; returns how many. */
  expire(now: string): number {
    const ids = this.db
      .prepare<[string], { id: string }>(
        'SELECT id FROM report_jobs WHERE expires_at IS NOT NULL AND expires_at <= ?',
      )
      .all(now)
      .map((r) => r.id);
    for (const id of ids) {
      fs.rmSync(this.fileOf(id), { force: true });
      fs.rmSync(this.documentFileOf(id), { force: true });
      this.db.prepare('DELETE FROM report_jobs WHERE id = ?').run(id);
    }
    return ids.length;
  }
}

/** A job id as a file name: only the characters ids are made of. */
function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '');
}
