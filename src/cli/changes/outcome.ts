import type { Operation, OperationItem } from '../../api/operations.js';
import type { VmClient } from '../../client/client.js';
import type { Context } from '../context.js';
import { EXIT } from '../errors.js';
import type { Column } from '../output/render.js';
import { describeFields, itemReason } from './describe.js';

/** The outcome: a summary on stderr, the failed numbers (or with --json all items) on stdout, exit 0/3/1. */
export async function reportOutcome(ctx: Context, client: VmClient, operations: Operation[]): Promise<void> {
  const t = ctx.t;
  const format = await ctx.format();
  const machine = format === 'json' || format === 'jsonl';
  async function* items(state?: string): AsyncGenerator<OperationItem> {
    for (const op of operations) {
      yield* client.paginate('operations.items', { ...(state ? { state } : {}) }, 1000, { id: op.id });
    }
  }
  for (const op of operations) {
    ctx.note(
      t('change.result', {
        id: op.id,
        state: op.state,
        succeeded: op.succeeded,
        skipped: op.skipped,
        failed: op.failed,
        cancelled: op.cancelled,
      }),
    );
  }
  const failed = operations.reduce((n, op) => n + op.failed, 0);
  if (machine) {
    await ctx.printRows(items(), itemColumns(ctx), false);
  } else if (failed > 0) {
    ctx.note(t('change.failedList'));
    await ctx.printRows(items('failed'), itemColumns(ctx), false);
  }
  if (operations.some((op) => op.state === 'cancelled')) ctx.setExitCode(EXIT.error);
  else if (failed > 0) ctx.setExitCode(EXIT.partial);
}

/** Columns of operation items (failed-number lists, `vm ops show --items`). */
export function itemColumns(ctx: Context): Column<OperationItem>[] {
  const t = ctx.t;
  return [
    { key: 'msisdn', header: t('col.msisdn') },
    { key: 'state', header: t('col.state') },
    { key: 'code', header: t('col.problem'), inTable: false },
    { key: 'reason', header: t('col.reason'), get: (i) => itemReason(ctx, i.code, i.detail), freeText: true },
    { key: 'detail', header: t('col.description'), inTable: false, freeText: true },
    {
      key: 'before',
      header: t('col.now'),
      get: (i) => describeFields(i.before),
      inTable: false,
      freeText: true,
    },
    {
      key: 'after',
      header: t('col.after'),
      get: (i) => describeFields(i.after),
      inTable: false,
      freeText: true,
    },
    { key: 'seq', header: '#', kind: 'number', inTable: false },
  ];
}
