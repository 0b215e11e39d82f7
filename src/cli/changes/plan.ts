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
 * in memory (and a plan printed as JSON is passed on as it came). A batch that is the rollback of an
 * operation is planned by the backend from that operation's items.
 */
export async function* planText(
  client: VmClient,
  batch: Batch,
  t: Translate,
): AsyncGenerator<string, PlanSummary> {
  const stream = batch.rollbackOf
    ? await client.stream('operations.rollbackPlan', { params: { id: batch.rollbackOf } })
    : await client.stream('operations.plan', { body: batch.body });
  return yield* readPlanText(stream, t);
}

/** planText with each item parsed. */
export async function* planBatch(
  client: VmClient,
  batch: Batch,
  t: Translate,
): AsyncGenerator<PlanItem, PlanSummary> {
  return yield* parsed(planText(client, batch, t));
}

/** What rolling an operation back would do, number by number, with its fees, as planBatch reads it. */
export async function* rollbackPlan(
  client: VmClient,
  id: string,
  t: Translate,
): AsyncGenerator<PlanItem, PlanSummary> {
  return yield* parsed(readPlanText(await client.stream('operations.rollbackPlan', { params: { id } }), t));
}

/**
 * The item lines of a streamed plan as they come, then its summary. A stream that ends without its
 * summary line was cut off: that is an error, never a shorter plan.
 */
async function* readPlanText(
  stream: NodeJS.ReadableStream,
  t: Translate,
): AsyncGenerator<string, PlanSummary> {
  const lines = textLines(stream);
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

/** A plan's item lines parsed, its summary passed on. */
async function* parsed(lines: AsyncGenerator<string, PlanSummary>): AsyncGenerator<PlanItem, PlanSummary> {
  for (;;) {
    const next = await lines.next();
    if (next.done) return next.value;
    yield JSON.parse(next.value) as PlanItem;
  }
}

/** What plans add up to, with how many numbers each reason skips or fails. */
export interface PlanTally extends PlanTotals {
  /** The change's type and own values, as the backend planned it (a rollback's are the backend's to make). */
  head: Pick<PlanSummary, 'type' | 'params'> | undefined;
  total: number;
  /** Numbers skipped per item code, and failing per item code, in the order first met. */
  skips: Map<string, number>;
  fails: Map<string, number>;
}

/** Reads plans to their ends and adds them up, each item counted and let go. */
export async function tallyPlans(
  plans: AsyncIterable<AsyncGenerator<PlanItem, PlanSummary>>,
): Promise<PlanTally> {
  const summaries: PlanSummary[] = [];
  const skips = new Map<string, number>();
  const fails = new Map<string, number>();
  for await (const plan of plans) {
    for (;;) {
      const next = await plan.next();
      if (next.done) {
        summaries.push(next.value);
        break;
      }
      const item = next.value;
      const by = item.outcome === 'skip' ? skips : item.outcome === 'fail' ? fails : undefined;
      if (by) by.set(item.code ?? '', (by.get(item.code ?? '') ?? 0) + 1);
    }
  }
  const total = summaries.reduce((n, s) => n + s.total, 0);
  const first = summaries[0];
  const head = first && { type: first.type, params: first.params };
  return { ...sumPlans(summaries), head, total, skips, fails };
}

/** The totals of several plans. */
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
