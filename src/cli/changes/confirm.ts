import type { PlanSummary } from '../../api/operations.js';
import type { VmClient } from '../../client/client.js';
import type { Context } from '../context.js';
import type { ChangeFlags, ChangeRequest } from './options.js';
import { planSummary, sumPlans } from './plan.js';
import type { Batches } from './targets.js';

/**
 * May the change go ahead? A change to more than one number, or one that always asks (block, SIM, number
 * change), needs --yes or a "yes" on a terminal, where the question shows the plan's totals; without a
 * terminal it refuses (exit 2). False when the user said no.
 */
export async function confirmChange(
  ctx: Context,
  client: VmClient,
  req: ChangeRequest,
  batches: Batches,
  flags: ChangeFlags,
): Promise<boolean> {
  const t = ctx.t;
  const count = batches.count;
  const needsConfirm = req.alwaysConfirm || count > 1;
  if (!needsConfirm || flags.yes) return true;
  // Built only when it is asked: the totals need a dry run of every batch.
  const question = async () => {
    const plans: PlanSummary[] = [];
    for await (const b of batches.each()) plans.push(await planSummary(client, b, t));
    const sum = sumPlans(plans);
    const { formatMoney } = await import('../../domain/money.js');
    return t('change.confirm', {
      type: req.type,
      count,
      apply: sum.apply,
      skip: sum.skip,
      fail: sum.fail,
      delta: formatMoney(sum.monthlyDelta, ctx.lang),
      fees: formatMoney(sum.fees, ctx.lang),
    });
  };
  const refusal =
    count > 1 ? t('change.needsYes', { count, type: req.type }) : t('change.needsYesOne', { type: req.type });
  return ctx.confirm(question, refusal);
}
