import type { Db } from './db.js';

/** Background work counted by `GET /v1/status` and by the limit of open report jobs per user. */
export interface OpenJobs {
  queued: number;
  running: number;
}

/** How many rows of a job table are queued and running, of one user or (null) of everyone. */
export function countOpenJobs(
  db: Db,
  table: 'report_jobs' | 'detail_requests',
  userId: number | null,
): OpenJobs {
  return (
    db
      .prepare<{ user: number | null }, OpenJobs>(
        `SELECT coalesce(sum(state = 'queued'), 0) AS queued, coalesce(sum(state = 'running'), 0) AS running
           FROM ${table} WHERE state IN ('queued', 'running') AND (@user IS NULL OR created_by = @user)`,
      )
      .get({ user: userId }) ?? { queued: 0, running: 0 }
  );
}
