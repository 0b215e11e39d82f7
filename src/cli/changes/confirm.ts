import type { VmClient } from '../../client/client.js';
import type { Context } from '../context.js';
import type { Translate } from '../i18n/index.js';
import { itemReason } from './describe.js';
import type { ChangeFlags, ChangeRequest } from './options.js';
import { planBatch, tallyPlans, type PlanTally } from './plan.js';
import type { Batches } from './targets.js';

/** Reasons named per outcome in the plan's account; the rest are counted as `…`. */
const SHOWN_REASONS = 5;

/**
 * May the change go ahead? A change to more than one number, or one that always asks (block, SIM, number
 * change), needs --yes or a "yes" on a terminal, where the question comes after what the dry run says
 * will happen (how many change, are skipped and fail, and why); without a terminal it refuses (exit 2).
 * False when the user said no.
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
  // Built only when it is asked: it needs a dry run of every batch.
  const question = async () => {
    const tally = await tallyPlans(batchPlans(client, batches, t));
    return `${await describePlan(ctx, tally)}\n${t('change.confirm', { apply: tally.apply, type: req.type })}`;
  };
  const refusal =
    count > 1 ? t('change.needsYes', { count, type: req.type }) : t('change.needsYesOne', { type: req.type });
  return ctx.confirm(question, refusal);
}

/** The plan of each batch in turn. */
async function* batchPlans(client: VmClient, batches: Batches, t: Translate) {
  for await (const b of batches.each()) yield planBatch(client, b, t);
}

/**
 * What a change will do, said before it is asked for: how many numbers change, are skipped and would
 * fail (with the reasons, most common first), the monthly cost and the one-time fees.
 */
export async function describePlan(ctx: Context, tally: PlanTally): Promise<string> {
  const t = ctx.t;
  const { formatMoney } = await import('../../domain/money.js');
  const reasons = (by: Map<string, number>) => {
    const sorted = [...by].sort(([, a], [, b]) => b - a);
    const shown = sorted.slice(0, SHOWN_REASONS).map(([code, n]) => `${itemReason(ctx, code, null)} ×${n}`);
    return sorted.length > SHOWN_REASONS ? [...shown, '…'].join(', ') : shown.join(', ');
  };
  return [
    t('change.planAhead', {
      total: tally.total,
      apply: tally.apply,
      skip: tally.skip,
      fail: tally.fail,
      delta: formatMoney(tally.monthlyDelta, ctx.lang),
      fees: formatMoney(tally.fees, ctx.lang),
    }),
    ...(tally.skips.size ? [t('change.planSkips', { reasons: reasons(tally.skips) })] : []),
    ...(tally.fails.size ? [t('change.planFails', { reasons: reasons(tally.fails) })] : []),
  ].join('\n');
}
