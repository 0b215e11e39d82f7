import type { BackendStatus } from '../../api/status.js';
import type { Clock } from '../../domain/clock.js';
import type { Store } from '../store/store.js';
import type { HistoryBackfill } from './history.js';

/** What `GET /v1/status` says: the clock, the company's size, the history backfill, background jobs. */
export function backendStatus(
  store: Store,
  clock: Clock,
  history: HistoryBackfill,
  version: string,
): BackendStatus {
  const { from, backfilledFrom, billingStart, complete } = history.status();
  const reports = store.reportJobs.counts();
  const details = store.detailRequests.counts();
  return {
    version,
    now: clock.now().toISOString(),
    lines: store.numbers.count(),
    history: { from, backfilledFrom, billingStart, complete },
    jobs: { running: reports.running + details.running, queued: reports.queued + details.queued },
  };
}
