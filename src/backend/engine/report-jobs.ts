import { randomBytes } from 'node:crypto';
import {
  REPORT_RESULT_DAYS,
  type Report,
  type ReportHead,
  type ReportJob,
  type ReportQuery,
} from '../../api/billing.js';
import { recordEvent } from './events.js';
import { ApiError } from '../../api/errors.js';
import type { Clock } from '../../domain/clock.js';
import type { ReportJobRecord, ResultFile, ResultWriter, ScratchFile } from '../store/report-jobs-repo.js';
import type { Store } from '../store/store.js';
import { authorNow } from './author-rights.js';
import { decodeCursor, pageOf } from './paging.js';
import type { Page } from '../../api/common.js';
import { actorName, type Principal } from './authz.js';
import type { HistoryBackfill } from './history.js';
import {
  KeptRows,
  runWhole,
  sortedByKey,
  type ReportRow,
  type ReportRun,
  type ReportsService,
  type RowSink,
} from './reports-service.js';

/** A report over at most this many numbers, whose history is in, is answered at once; a bigger one is a job. */
export const SYNC_REPORT_NUMBERS = 2000;
/** Rows of a result put in order per step (read back from the scratch file). */
const ROWS_PER_WRITE = 2000;

/** Report jobs one user may have queued or running at once. */
const MAX_OPEN_JOBS = 5;

/**
 * Reports as background jobs: `request` answers a small report at once and queues a big one (or one
 * whose period's history is still being filled); the worker runs jobs a slice at a time (`step`),
 * between operations, billing and requests. A job runs on its author's rights when it runs, survives a
 * restart (it runs again from the start: nothing is half-written, the result file appears whole), and
 * its result is kept REPORT_RESULT_DAYS days.
 */
export class ReportJobs {
  private current?: { id: string; run: ReportRun; rows: ResultRows; finishing: boolean };
  private nextExpiry = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly reports: ReportsService,
    private readonly history: HistoryBackfill,
    private readonly kick: () => void,
    private readonly opts: {
      syncNumbers?: number;
      /**
       * Test hook: every slice of a job holds the thread this long more, as a heavy one would, so a test
       * can show that requests and schedules still get their turn between slices.
       */
      slowSliceMs?: number;
    } = {},
  ) {}

  /** The report now, or a job that will make it. */
  request(
    p: Principal,
    type: string,
    q: ReportQuery,
  ): { report: Report; job?: undefined } | { job: ReportJob; report?: undefined } {
    const { job: asJob, ...query } = q;
    const kept = new KeptRows();
    const run = this.reports.prepare(p, type, query, kept);
    const earliest = this.history.earliest();
    if (run.historyFrom !== undefined && run.historyFrom < earliest)
      throw new ApiError(
        'business_rule',
        `Usage history is kept from ${earliest}: a report over usage can start there at the earliest`,
        { reason: 'period_too_old', earliest },
      );
    const historyReady = run.historyFrom === undefined || this.history.covers(run.historyFrom);
    if (!asJob && historyReady && run.total <= (this.opts.syncNumbers ?? SYNC_REPORT_NUMBERS)) {
      return { report: runWhole(run, kept) };
    }
    const open = this.store.reportJobs.counts(p.user.id);
    if (open.queued + open.running >= MAX_OPEN_JOBS)
      throw new ApiError(
        'rate_limited',
        `You have ${MAX_OPEN_JOBS} report jobs running; wait for one to finish`,
        {
          reason: 'too_many_report_jobs',
        },
      );
    if (run.historyFrom !== undefined) this.history.extendTo(run.historyFrom);
    const id = `rj_${randomBytes(8).toString('hex')}`;
    this.store.reportJobs.insert({
      id,
      createdBy: p.user.id,
      tokenId: p.token?.id ?? null,
      actor: actorName(p),
      type,
      // The numbers of a list travel in the job too: it may run after a restart.
      query: JSON.stringify(query),
      createdAt: this.clock.now().toISOString(),
    });
    this.kick();
    return { job: this.view(this.store.reportJobs.get(id) as ReportJobRecord) };
  }

  /** The caller's job; another user's is unknown. */
  show(p: Principal, id: string): ReportJob {
    return this.view(this.own(p, id));
  }

  /** The file of the report a finished job made. */
  result(p: Principal, id: string): ResultFile {
    const job = this.own(p, id);
    if (job.state === 'failed')
      throw new ApiError('business_rule', `Report job ${id} failed: ${job.errorMessage ?? ''}`, {
        reason: 'report_job_failed',
        id,
        code: job.errorCode,
      });
    if (job.state !== 'succeeded')
      throw new ApiError('conflict', `Report job ${id} is still ${job.state}; wait for it`, {
        reason: 'report_job_not_finished',
        id,
        state: job.state,
      });
    const file = this.store.reportJobs.resultFile(id);
    // A succeeded job's file is there until the job expires, when the job goes with it.
    if (!file) throw new ApiError('not_found', `Report job ${id} has no result any more`, { id });
    return file;
  }

  /** The caller's jobs, newest first. */
  list(
    p: Principal,
    q: { limit?: number; cursor?: string; state?: ReportJobRecord['state'] },
  ): Page<ReportJob> {
    const limit = q.limit ?? 100;
    const before = decodeCursor(q.cursor) ?? '\uffff';
    return pageOf(
      this.store.reportJobs.list(p.user.id, q.state, before, limit + 1),
      limit,
      (j) => `${j.createdAt}|${j.id}`,
      (j) => this.view(j),
    );
  }

  /** Queued and running jobs of everyone (`GET /v1/status`). */
  counts(): { queued: number; running: number } {
    return this.store.reportJobs.counts();
  }

  /** One slice of the oldest job; false when no job can move (none, or waiting for history). */
  step(): boolean {
    const now = this.clock.now();
    if (now.getTime() >= this.nextExpiry) {
      this.store.reportJobs.expire(now.toISOString());
      this.nextExpiry = now.getTime() + 60_000;
    }
    if (!this.current) {
      const job = this.store.reportJobs.next();
      if (!job) return false;
      const started = this.begin(job, now.toISOString());
      if (!started) return true;
      this.current = { id: job.id, ...started, finishing: false };
    }
    const { id, run, rows } = this.current;
    try {
      if (this.current.finishing) {
        // A slice of the rows ordered by a key into the file per step; the last step commits it.
        if (rows.writeInOrder(ROWS_PER_WRITE)) return true;
        const at = this.clock.now();
        rows.commit(run.totals(), at.toISOString(), expiry(at));
        this.ready(id, at.toISOString());
        this.current = undefined;
        return true;
      }
      if (run.historyFrom !== undefined && !this.history.covers(run.historyFrom)) {
        const { done, total } = this.history.progressTo(run.historyFrom);
        this.store.reportJobs.progress(id, 'history', done, total);
        return false;
      }
      // The slice's rows go to the file with it: never all of them in the heap, nor one 15 MB string.
      if (run.step()) {
        rows.flush();
        this.store.reportJobs.progress(id, 'numbers', run.done(), run.total);
        return true;
      }
      this.current.finishing = true;
      return true;
    } catch (err) {
      rows.discard();
      this.fail(id, err);
    }
    this.current = undefined;
    return true;
  }

  /** Starts (or, after a restart, starts again) a job on its author's rights now. */
  private begin(job: ReportJobRecord, now: string): { run: ReportRun; rows: ResultRows } | undefined {
    const author = authorNow(this.store, job.createdBy, job.tokenId, now);
    if ('why' in author) {
      this.fail(
        job.id,
        new ApiError('forbidden', `The job's author can no longer run reports (${author.why})`, {
          reason: author.why,
        }),
      );
      return undefined;
    }
    let rows: ResultRows | undefined;
    try {
      const query = JSON.parse(job.query) as ReportQuery;
      rows = new ResultRows(this.store, job.id);
      const run = this.reports.prepare(author, job.type, query, rows, this.opts.slowSliceMs);
      rows.open(run.head);
      this.store.reportJobs.start(job.id, now);
      return { run, rows };
    } catch (err) {
      rows?.discard();
      this.fail(job.id, err);
      return undefined;
    }
  }

  private fail(id: string, err: unknown): void {
    const at = this.clock.now();
    const code = err instanceof ApiError ? err.code : 'internal';
    const message = err instanceof ApiError ? err.message : 'The report could not be made';
    this.store.reportJobs.fail(id, code, message, at.toISOString(), expiry(at));
    this.ready(id, at.toISOString());
  }

  /** `report.ready` of a job that has just finished (succeeded or failed), for its author. */
  private ready(id: string, at: string): void {
    const job = this.store.reportJobs.get(id);
    if (!job) return;
    recordEvent(this.store, at, {
      type: 'report.ready',
      subject: id,
      userId: job.createdBy,
      data: { reportType: job.type, state: job.state, rows: job.rows, errorCode: job.errorCode },
    });
  }

  private own(p: Principal, id: string): ReportJobRecord {
    const job = this.store.reportJobs.get(id);
    if (!job || job.createdBy !== p.user.id)
      throw new ApiError('not_found', `No report job ${id}`, { reason: 'report_job_not_found', id });
    return job;
  }

  private view(j: ReportJobRecord): ReportJob {
    return {
      id: j.id,
      type: j.type,
      state: j.state,
      phase: j.phase,
      done: j.done,
      total: j.total,
      query: summaryOf(JSON.parse(j.query) as Record<string, unknown>),
      rows: j.rows,
      error: j.errorCode ? { code: j.errorCode, message: j.errorMessage ?? '' } : null,
      createdBy: j.actor,
      createdAt: j.createdAt,
      startedAt: j.startedAt,
      finishedAt: j.finishedAt,
      expiresAt: j.expiresAt,
    };
  }
}

/**
 * A job's rows written to its result file as the slices make them, a slice's rows in one write. Rows
 * ordered by a key (RowSink) go to a scratch file instead, their keys, places and lengths in typed
 * arrays (16 bytes a row, not the row's objects); at the end they are read back in order into the result,
 * a few thousand per step.
 */
class ResultRows implements RowSink {
  private out?: ResultWriter;
  private scratch?: ScratchFile;
  /** JSON of the rows since the last flush: to the result, or to the scratch file. */
  private pending: string[] = [];
  private pendingKeyed: string[] = [];
  private written = 0;
  private keyed = 0;
  private keys = new Float64Array(1024);
  private offsets = new Float64Array(1024);
  private lengths = new Int32Array(1024);
  private scratchSize = 0;
  private order?: Int32Array;
  private next = 0;

  constructor(
    private readonly store: Store,
    private readonly id: string,
  ) {}

  /** Starts the result file (the contract's ReportLine, a line each) with the report's head. */
  open(head: ReportHead): void {
    this.out = this.store.reportJobs.resultWriter(this.id);
    this.out.append(`${JSON.stringify({ report: head })}\n`);
  }

  push(row: ReportRow, sortKey?: number): void {
    const text = JSON.stringify(row);
    if (sortKey === undefined) {
      this.pending.push(text);
      return;
    }
    if (this.keyed === this.keys.length) this.grow();
    const length = Buffer.byteLength(text);
    this.keys[this.keyed] = sortKey;
    this.offsets[this.keyed] = this.scratchSize;
    this.lengths[this.keyed] = length;
    this.scratchSize += length;
    this.keyed++;
    this.pendingKeyed.push(text);
  }

  /** Writes the rows pushed since the last flush. */
  flush(): void {
    if (this.pending.length > 0) {
      this.appendRows(this.pending);
      this.pending = [];
    }
    if (this.pendingKeyed.length > 0) {
      this.scratch ??= this.store.reportJobs.scratchFile(this.id);
      this.scratch.append(this.pendingKeyed.join(''));
      this.pendingKeyed = [];
    }
  }

  /** Copies up to `count` more keyed rows into the result, in order; false when none are left. */
  writeInOrder(count: number): boolean {
    this.flush();
    if (!this.scratch || this.next >= this.keyed) return false;
    this.order ??= sortedByKey(this.keys.subarray(0, this.keyed));
    const end = Math.min(this.keyed, this.next + count);
    const texts: string[] = [];
    for (; this.next < end; this.next++) {
      const i = this.order[this.next] as number;
      texts.push(this.scratch.read(this.offsets[i] as number, this.lengths[i] as number));
    }
    this.appendRows(texts);
    return true;
  }

  /** Ends the result with the end line and puts it in place; the job succeeded. */
  commit(totals: Report['totals'], now: string, expiresAt: string): void {
    const out = this.out as ResultWriter;
    out.append(`${JSON.stringify({ end: { rows: this.written, totals } })}\n`);
    out.commit(this.written, now, expiresAt);
    this.scratch?.remove();
  }

  /** Removes whatever was written (the job failed). */
  discard(): void {
    this.out?.discard();
    this.scratch?.remove();
  }

  private appendRows(texts: string[]): void {
    (this.out as ResultWriter).append(texts.map((text) => `{"row":${text}}\n`).join(''));
    this.written += texts.length;
  }

  private grow(): void {
    const size = this.keys.length * 2;
    const keys = new Float64Array(size);
    keys.set(this.keys);
    const offsets = new Float64Array(size);
    offsets.set(this.offsets);
    const lengths = new Int32Array(size);
    lengths.set(this.lengths);
    this.keys = keys;
    this.offsets = offsets;
    this.lengths = lengths;
  }
}

function expiry(at: Date): string {
  return new Date(at.getTime() + REPORT_RESULT_DAYS * 86_400_000).toISOString();
}

/** The filters as a job shows them: a list of numbers by its length (it may hold 100,000). */
function summaryOf(q: Record<string, unknown>): Record<string, unknown> {
  const { numbers, ...rest } = q;
  return Array.isArray(numbers) ? { ...rest, numbers: numbers.length } : rest;
}
