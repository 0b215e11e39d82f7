import type { Operation } from '../../api/operations.js';
import type { VmClient } from '../../client/client.js';
import type { Context } from '../context.js';
import { waitWithProgress } from '../output/progress.js';

const FINAL = new Set(['succeeded', 'partially_failed', 'failed', 'cancelled']);

/** Waits for an operation to end, with a progress bar on a terminal; Ctrl-C stops waiting (exit 130). */
export async function waitForOperation(ctx: Context, client: VmClient, op: Operation): Promise<Operation> {
  const finished = (o: Operation) => FINAL.has(o.state);
  return waitWithProgress(ctx, op, {
    id: (o) => o.id,
    finished,
    // The backend answers at the first progress or the end (long poll), at the latest after a second.
    poll: (o) => client.call('operations.show', { params: { id: o.id }, query: { wait: 1 } }),
    bar: {
      format: `${op.type} [{bar}] {percentage}% {value}/{total} ✓{ok} ✗{failed}`,
      hideCursor: true,
      total: (o) => o.total,
      value: (o) => (finished(o) ? o.total : o.total - o.queued),
      payload: (o) => ({ ok: o.succeeded + o.skipped, failed: o.failed }),
    },
    interrupted: (id) => ctx.t('change.interrupted', { id }),
  });
}
