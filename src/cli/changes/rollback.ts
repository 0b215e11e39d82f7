import type { OperationCreateBody } from '../../api/operations.js';
import type { Context } from '../context.js';
import { describePlan } from './confirm.js';
import type { ChangeRequest } from './options.js';
import { rollbackPlan, tallyPlans } from './plan.js';
import { printPlans } from './plan-view.js';
import { followOperations } from './run.js';

/** The flags of `vm ops rollback`. */
export interface RollbackFlags {
  dryRun?: boolean;
  yes?: boolean;
  wait?: boolean;
}

/**
 * `vm ops rollback ID`: a change like any other. --dry-run prints its plan (per number now → after and
 * the one-time fee, which a rollback is charged again); otherwise it asks on a terminal after saying
 * what will happen, or needs --yes; then it is submitted with the backend's own key (`rollback:ID`: a
 * rerun gives the same rollback) and followed as any change.
 */
export async function runRollback(ctx: Context, id: string, flags: RollbackFlags): Promise<void> {
  const t = ctx.t;
  const client = await ctx.client();
  const planned = () => tallyPlans(one(rollbackPlan(client, id, t)));
  if (flags.dryRun) {
    // The rollback's type and own values are the backend's to make from the items, and the JSON plan
    // opens with them: a first read of the plan learns them (and its size) before it is printed.
    const { head, total } = await planned();
    if (!head) return;
    const req = { type: head.type, params: head.params, numbers: [] } as ChangeRequest;
    const body = { type: head.type, params: head.params } as OperationCreateBody;
    await printPlans(ctx, client, req, {
      count: total,
      single: true,
      async *each() {
        yield { body, count: total, rollbackOf: id };
      },
    });
    return;
  }
  if (!flags.yes) {
    const question = async () => {
      const tally = await planned();
      const ask = t('msg.confirmRollback', { id, apply: tally.apply, type: tally.head?.type ?? '' });
      return `${await describePlan(ctx, tally)}\n${ask}`;
    };
    if (!(await ctx.confirm(question, t('change.needsYesOne', { type: 'rollback' })))) return;
  }
  const op = await client.call('operations.rollback', { params: { id }, idempotencyKey: `rollback:${id}` });
  ctx.note(t(op.replayed ? 'change.replayed' : 'change.submitted', { id: op.id, count: op.total }));
  await followOperations(ctx, client, [op], flags.wait !== false);
}

async function* one<T>(item: T): AsyncGenerator<T> {
  yield item;
}
