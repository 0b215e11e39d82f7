import type { PlanEnd, PlanItem, PlanSummary } from '../../api/operations.js';
import type { VmClient } from '../../client/client.js';
import { textLines } from '../../client/json-lines.js';
import { CliError, EXIT } from '../errors.js';
import type { Translate } from '../i18n/index.js';
import type { Batch } from './targets.js';

/** The totals of the plans of a change, however many operations it becomes. */
export interface PlanTotals {
  apply: number;
  skip: number;
  fail: number;
  monthlyDelta: number;
  fees: number;
}

/**
 * Asks the backend what one batch would do (a dry run: nothing is stored), as JSON lines: yields each
 * item's line as it comes, unparsed, and returns the summary, so a plan of 100,000 numbers is never whole
 * in memory (and a plan printed as JSON is passed on as it came). A stream that ends without its summary
 * line was cut off: that is an error, never a shorter plan.
 */
export async function* planText(
  client: VmClient,
  batch: Batch,
  t: Translate,
): AsyncGenerator<string, PlanSummary> {
  const lines = textLines(await client.stream('operations.plan', { body: batch.body }));
  const cut = () => new CliError(t('change.planCut'), EXIT.error);
  let summary: PlanSummary | undefined;
  try {
    // Read to its end even after the summary line, so the answer is whole and the connection free.
    for await (const line of lines) {
      // The summary is the one line that starts so: an item starts with its msisdn.
      if (line.startsWith(SUMMARY_START)) summary = (JSON.parse(line) as PlanEnd).summary;
      else yield line;
    }
  } catch (err) {
    // The connection dropped, or a line came half: the plan so far is not the plan.
    if (err instanceof Error && (err.name === 'StreamCutError' || err instanceof SyntaxError)) throw cut();
    throw err;
  }
  if (!summary) throw cut();
  return summary;
}

const SUMMARY_START = '{"summary":';

/** planText with each item parsed. */
export async function* planBatch(
  client: VmClient,
  batch: Batch,
  t: Translate,
): AsyncGenerator<PlanItem, PlanSummary> {
  const lines = planText(client, batch, t);
  for (;;) {
    const next = await lines.next();
    if (next.done) return next.value;
    yield JSON.parse(next.value) as PlanItem;
  }
}

/** The summary of one batch's plan, its items read and let go. */
export async function planSummary(client: VmClient, batch: Batch, t: Translate): Promise<PlanSummary> {
  const lines = planText(client, batch, t);
  for (;;) {
    const next = await lines.next();
    if (next.done) return next.value;
  }
}

export function sumPlans(plans: PlanTotals[]): PlanTotals {
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
