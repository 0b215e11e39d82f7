import type { OperationType } from '../../domain/operations.js';
import type { Operation } from '../../api/operations.js';
import type { Context } from '../context.js';
import { confirmChange } from './confirm.js';
import type { ChangeFlags, ChangeRequest } from './options.js';
import { reportOutcome } from './outcome.js';
import { printPlans } from './plan-view.js';
import { submitBatches } from './submit.js';
import { targetBatches } from './targets.js';
import { waitForOperation } from './wait.js';

/**
 * The one flow of every change: read and validate all targets, plan (--dry-run), confirm (TTY) or
 * demand --yes (no TTY), submit with an Idempotency-Key, wait with progress, report, exit 0/3.
 */
export async function runChange<T extends OperationType>(
  ctx: Context,
  req: ChangeRequest<T>,
  flags: ChangeFlags,
): Promise<void> {
  const t = ctx.t;
  const batches = await targetBatches(ctx, req, flags);
  const client = await ctx.client();
  if (flags.dryRun) {
    await printPlans(ctx, client, req, batches);
    return;
  }
  if (!(await confirmChange(ctx, client, req, batches, flags))) return;
  const operations = await submitBatches(ctx, client, batches, flags.idempotencyKey);
  if (flags.wait === false) {
    for (const op of operations) ctx.io.stdout.write(`${op.id}\n`);
    ctx.note(t('change.noWait', { id: operations[0]?.id ?? '' }));
    return;
  }
  const finals: Operation[] = [];
  for (const op of operations) {
    // A scheduled operation runs in the backend at its time; there is nothing to wait for now.
    if (op.state === 'scheduled') {
      ctx.note(t('change.scheduled', { id: op.id, at: op.scheduledAt ?? '' }));
      ctx.io.stdout.write(`${op.id}\n`);
      continue;
    }
    finals.push(await waitForOperation(ctx, client, op));
  }
  if (finals.length) await reportOutcome(ctx, client, finals);
}
