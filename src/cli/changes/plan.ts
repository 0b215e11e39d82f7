import type { Plan } from '../../api/operations.js';
import type { VmClient } from '../../client/client.js';
import type { Batch } from './targets.js';

/** The totals of the plans of a change, however many operations it becomes. */
export interface PlanTotals {
  apply: number;
  skip: number;
  fail: number;
  monthlyDelta: number;
  fees: number;
}

/** Asks the backend what one batch would do (a dry run: nothing is stored). */
export async function planBatch(client: VmClient, batch: Batch): Promise<Plan> {
  return (await client.call('operations.create', {
    body: batch.body,
    query: { dryRun: true },
  })) as unknown as Plan;
}

/** A plan without its items, to keep totals of many batches without holding every item. */
export function summaryOf(p: Plan): Plan {
  return { ...p, items: [] };
}

export function sumPlans(plans: Plan[]): PlanTotals {
  return plans.reduce(
    (s, p) => ({
      apply: s.apply + p.apply,
      skip: s.skip + p.skip,
      fail: s.fail + p.fail,
      monthlyDelta: s.monthlyDelta + p.monthlyDelta,
      fees: s.fees + p.fees,
    }),
    { apply: 0, skip: 0, fail: 0, monthlyDelta: 0, fees: 0 },
  );
}
