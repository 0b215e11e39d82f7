import type { VmClient } from '../../client/client.js';
import type { OperationType } from '../../domain/operations.js';
import type { Operation } from '../../api/operations.js';
import type { Context } from '../context.js';
import { confirmChange } from './confirm.js';
import type { ChangeFlags, ChangeRequest } from './options.js';
import { printOperations, reportOutcome } from './outcome.js';
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
  const batches = await targetBatches(ctx, req, flags);
  const client = await ctx.client();
  if (flags.dryRun) {
    await printPlans(ctx, client, req, batches);
    return;
  }
  if (!(await confirmChange(ctx, client, req, batches, flags))) return;
  const operations = await submitBatches(ctx, client, batches, flags.idempotencyKey);
  await followOperations(ctx, client, operations, flags.wait !== false);
}

/**
 * What follows a submission, honouring the output flags on every path. Operations not waited for
 * (--no-wait, or scheduled: the backend runs them at their time) are printed as `vm ops show` prints
 * them when a format is asked for (--json, --csv, -o …), else as bare ids, which scripts read. The
 * others are waited for and their outcome reported (--json: every item); stdout holds one document, so
 * beside them a scheduled operation is only noted.
 */
export async function followOperations(
  ctx: Context,
  client: VmClient,
  operations: Operation[],
  wait: boolean,
): Promise<void> {
  const t = ctx.t;
  const now = wait ? operations.filter((op) => op.state !== 'scheduled') : [];
  const later = operations.filter((op) => !now.includes(op));
  const { formatAsked } = await import('../output/format.js');
  const asked = formatAsked({ ...ctx.opts, output: ctx.opts.format });
  for (const op of later) {
    if (op.state === 'scheduled') ctx.note(t('change.scheduled', { id: op.id, at: op.scheduledAt ?? '' }));
    if (!asked) ctx.io.stdout.write(`${op.id}\n`);
  }
  if (!wait) ctx.note(t('change.noWait', { id: operations[0]?.id ?? '' }));
  if (asked && now.length === 0) await printOperations(ctx, later);
  const finals: Operation[] = [];
  for (const op of now) finals.push(await waitForOperation(ctx, client, op));
  if (finals.length) await reportOutcome(ctx, client, finals);
}
