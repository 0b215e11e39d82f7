import { randomBytes } from 'node:crypto';
import { REPORT_RESULT_DAYS, type Report, type ReportJob, type ReportQuery } from '../../api/billing.js';
import { ApiError } from '../../api/errors.js';
import type { Clock } from '../../domain/clock.js';
import type { ReportJobRecord } from '../store/report-jobs-repo.js';
import type { Store } from '../store/store.js';
import { authorNow } from './author-rights.js';
import { decodeCursor, pageOf } from './paging.js';
import type { Page } from '../../api/common.js';
import { actorName, type Principal } from './authz.js';
import type { HistoryBackfill } from './history.js';
import type { ReportRun, ReportsService } from './reports-service.js';

/** A report over at most this many numbers, whose history is in, is answered at once; a bigger one is a job. */
export const SYNC_REPORT_NUMBERS = 2000;
/** Rows of a result written to its file per step. */
const ROWS_PER_WRITE = 2000;

/** A finished report being written out. */
interface Writing {
  rows: Report['rows'];
  next: number;
  out: ReturnType<Store['reportJobs']['resultWriter']>;
  /** The JSON after the rows (`],"totals":…}`). */
  tail: string;
}

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
  private current?: { id: string; run: ReportRun; writing?: Writing };
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
    const run = this.reports.prepare(p, type, query);
    const earliest = this.history.earliest();
    if (run.historyFrom !== undefined && run.historyFrom < earliest)
      throw new ApiError(
        'business_rule',
        `Usage history is kept from ${earliest}: a report over usage can start there at the earliest`,
        { reason: 'period_too_old', earliest },
      );
    const historyReady = run.historyFrom === undefined || this.history.covers(run.historyFrom);
    if (!asJob && historyReady && run.total <= (this.opts.syncNumbers ?? SYNC_REPORT_NUMBERS)) {
      while (run.step());
      return { report: run.result() };
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

  /** The report a finished job made. */
  result(p: Principal, id: string): string {
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
    return this.store.reportJobs.fileOf(id);
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
      const run = this.begin(job, now.toISOString());
      if (!run) return true;
      this.current = { id: job.id, run };
    }
    const { id, run } = this.current;
    try {
      if (this.current.writing) return this.write(id, this.current.writing);
      if (run.historyFrom !== undefined && !this.history.covers(run.historyFrom)) {
        const { done, total } = this.history.progressTo(run.historyFrom);
        this.store.reportJobs.progress(id, 'history', done, total);
        return false;
      }
      if (run.step()) {
        this.store.reportJobs.progress(id, 'numbers', run.done(), run.total);
        return true;
      }
      // Written a slice of rows per step, as it was added up: never one 15 MB string on this thread.
      const report = run.result();
      const { rows, ...rest } = report;
      const out = this.store.reportJobs.resultWriter(id);
      // The rows last, so the only place `"rows":[` can stand is the end of the head.
      const head = JSON.stringify({ ...rest, rows: [] });
      const at = head.lastIndexOf('"rows":[') + '"rows":['.length;
      out.append(head.slice(0, at));
      this.current.writing = { rows, next: 0, out, tail: head.slice(at) };
      return true;
    } catch (err) {
      this.fail(id, err);
    }
    this.current = undefined;
    return true;
  }

  /** One slice of a result's rows into its file; the last one commits it. */
  private write(id: string, w: Writing): boolean {
    const end = Math.min(w.rows.length, w.next + ROWS_PER_WRITE);
    if (w.next < end) {
      const text = JSON.stringify(w.rows.slice(w.next, end));
      w.out.append(`${w.next > 0 ? ',' : ''}${text.slice(1, -1)}`);
      w.next = end;
      return true;
    }
    w.out.append(w.tail);
    const at = this.clock.now();
    w.out.commit(w.rows.length, at.toISOString(), expiry(at));
    this.current = undefined;
    return true;
  }

  /** Starts (or, after a restart, starts again) a job on its author's rights now. */
  private begin(job: ReportJobRecord, now: string): ReportRun | undefined {
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
    try {
      const query = JSON.parse(job.query) as ReportQuery;
      const run = this.reports.prepare(author, job.type, query, this.opts.slowSliceMs);
      this.store.reportJobs.start(job.id, now);
      return run;
    } catch (err) {
      this.fail(job.id, err);
      return undefined;
    }
  }

  private fail(id: string, err: unknown): void {
    const at = this.clock.now();
    const code = err instanceof ApiError ? err.code : 'internal';
    const message = err instanceof ApiError ? err.message : 'The report could not be made';
    this.store.reportJobs.fail(id, code, message, at.toISOString(), expiry(at));
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

function expiry(at: Date): string {
  return new Date(at.getTime() + REPORT_RESULT_DAYS * 86_400_000).toISOString();
}

/** The filters as a job shows them: a list of numbers by its length (it may hold 100,000). */
function summaryOf(q: Record<string, unknown>): Record<string, unknown> {
  const { numbers, ...rest } = q;
  return Array.isArray(numbers) ? { ...rest, numbers: numbers.length } : rest;
}
