import { randomUUID } from 'node:crypto';
import type { Operation } from '../../api/operations.js';
import type { VmClient } from '../../client/client.js';
import type { Context } from '../context.js';
import type { Batches } from './targets.js';

/**
 * Submits each batch as an operation with an Idempotency-Key (--idempotency-key or a fresh one; `key:i`
 * when the change is several operations), so a rerun after a crash changes nothing twice, and the client
 * may resend a submission whose answer was lost.
 */
export async function submitBatches(
  ctx: Context,
  client: VmClient,
  batches: Batches,
  idempotencyKey: string | undefined,
): Promise<Operation[]> {
  const t = ctx.t;
  const key = idempotencyKey ?? randomUUID();
  const operations: Operation[] = [];
  let i = 0;
  for await (const batch of batches.each()) {
    i++;
    const op = await client.call('operations.create', {
      body: batch.body,
      idempotencyKey: batches.single ? key : `${key}:${i}`,
    });
    operations.push(op);
    // A key made by this run reached the backend before only if the client resent a submission whose
    // answer was lost: that is this submission, not an earlier run's.
    ctx.note(
      op.replayed && idempotencyKey !== undefined
        ? t('change.replayed', { id: op.id })
        : t('change.submitted', { id: op.id, count: op.total }),
    );
  }
  return operations;
}
