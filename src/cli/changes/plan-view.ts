import type { PlanItem, PlanSummary } from '../../api/operations.js';
import type { VmClient } from '../../client/client.js';
import type { Context } from '../context.js';
import type { Column } from '../output/render.js';
import { describeFields, itemReason } from './describe.js';
import type { ChangeRequest } from './options.js';
import { planText, sumPlans } from './plan.js';
import type { Batches } from './targets.js';

/** Prints the plan of a dry run: per number now → after, cost, problem; totals on stderr. */
export async function printPlans(
  ctx: Context,
  client: VmClient,
  req: ChangeRequest,
  batches: Batches,
): Promise<void> {
  const t = ctx.t;
  const format = await ctx.format();
  const plans: PlanSummary[] = [];
  /** Every item's line of every batch in turn, as it came; each batch's summary kept as its items run out. */
  async function* lines(): AsyncGenerator<string> {
    for await (const b of batches.each()) plans.push(yield* planText(client, b, t));
  }
  /** The same items, parsed. */
  async function* items(): AsyncGenerator<PlanItem> {
    for await (const line of lines()) yield JSON.parse(line) as PlanItem;
  }
  if (format === 'json') {
    // One JSON object however many operations the input becomes; items stream out as the backend wrote
    // them (never parsed here), totals close it.
    const out = ctx.io.stdout;
    const { writeChunk } = await import('../output/render.js');
    out.write(`{"type":${JSON.stringify(req.type)},"params":${JSON.stringify(req.params)},"items":[`);
    let first = true;
    for await (const line of lines()) {
      const text = `${first ? '\n' : ',\n'}${line}`;
      first = false;
      // A pipe that reads slower than the backend plans: wait for it, so the plan is never held here.
      await writeChunk(out, text);
    }
    const sum = sumPlans(plans);
    out.write(
      `\n],"total":${batches.count},"apply":${sum.apply},"skip":${sum.skip},"fail":${sum.fail},"monthlyDelta":${sum.monthlyDelta},"fees":${sum.fees}}\n`,
    );
  } else {
    await ctx.printRows(items(), planColumns(ctx, format === 'table'), false);
  }
  const sum = sumPlans(plans);
  const { formatMoney } = await import('../../domain/money.js');
  ctx.note(
    t('change.planTotals', {
      apply: sum.apply,
      skip: sum.skip,
      fail: sum.fail,
      delta: formatMoney(sum.monthlyDelta, ctx.lang),
      fees: formatMoney(sum.fees, ctx.lang),
    }),
  );
}

/**
 * The plan's columns. On a narrow terminal free text wraps, then the employee and then the one-time fee
 * are left out (their totals are on stderr); the number, the outcome and the monthly change always show.
 * A person reads the employee beside the number; scripts read TSV and CSV columns by position, so there
 * it comes last, after the columns it came later than.
 */
function planColumns(ctx: Context, table: boolean): Column<PlanItem>[] {
  const t = ctx.t;
  const employee: Column<PlanItem> = {
    key: 'employee',
    header: t('col.employee'),
    freeText: true,
    dropRank: 1,
  };
  const columns: Column<PlanItem>[] = [
    { key: 'msisdn', header: t('col.msisdn') },
    { key: 'outcome', header: t('col.outcome') },
    { key: 'before', header: t('col.now'), get: (i) => describeFields(i.before), freeText: true },
    { key: 'after', header: t('col.after'), get: (i) => describeFields(i.after), freeText: true },
    { key: 'monthlyDelta', header: t('col.delta'), kind: 'money' },
    { key: 'fee', header: t('col.fee'), kind: 'money', dropRank: 2 },
    { key: 'code', header: t('col.problem'), inTable: false },
    { key: 'reason', header: t('col.reason'), get: (i) => itemReason(ctx, i.code, i.detail), freeText: true },
  ];
  return table ? [columns[0], employee, ...columns.slice(1)] : [...columns, employee];
}
