import type { Operation, OperationItem } from '../../api/operations.js';
import type { VmClient } from '../../client/client.js';
import type { Context } from '../context.js';
import { EXIT } from '../errors.js';
import type { Column } from '../output/render.js';
import { describeFields, describeRowValues, itemReason } from './describe.js';

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
  recordOutcome(ctx, operations);
}

/** The exit code of finished operations: 1 when one was cancelled, 3 when numbers failed, else 0. */
export function recordOutcome(ctx: Context, operations: Operation[]): void {
  if (operations.some((op) => op.state === 'cancelled')) ctx.setExitCode(EXIT.error);
  else if (operations.some((op) => op.failed > 0)) ctx.setExitCode(EXIT.partial);
}

/**
 * Operations as `vm ops show` prints them: one as that one item (with --json an object), several as a
 * list (with --json an array), which is how a command that made several prints them.
 */
export async function printOperations(ctx: Context, operations: Operation[]): Promise<void> {
  const [only] = operations;
  if (only && operations.length === 1) await ctx.printObject(only, operationColumns(ctx, true));
  else await ctx.printRows(operations, operationColumns(ctx, true), false);
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
    {
      key: 'params',
      header: t('col.rowValues'),
      get: (i) =>
        Object.entries(i.params ?? {})
          .map(([name, value]) => `${name}=${String(value)}`)
          .join(' '),
      inTable: false,
      freeText: true,
    },
  ];
}

/** Columns of an operation (`vm ops list`, `vm ops show`, a change's operations with --no-wait); `full` shows more in a table. */
export function operationColumns(ctx: Context, full = false): Column<Operation>[] {
  const t = ctx.t;
  return [
    { key: 'id', header: t('col.id') },
    { key: 'type', header: t('col.type') },
    { key: 'state', header: t('col.state') },
    { key: 'total', header: t('col.total'), kind: 'number' },
    { key: 'succeeded', header: t('col.succeeded'), kind: 'number' },
    { key: 'failed', header: t('col.failed'), kind: 'number' },
    { key: 'skipped', header: t('col.skipped'), kind: 'number', inTable: full },
    { key: 'cancelled', header: t('col.cancelled'), kind: 'number', inTable: false },
    { key: 'monthlyDelta', header: t('col.delta'), kind: 'money', inTable: full },
    { key: 'fees', header: t('col.fee'), kind: 'money', inTable: full },
    {
      key: 'params',
      header: t('col.description'),
      get: (o) => JSON.stringify(o.params),
      inTable: full,
      freeText: true,
    },
    { key: 'createdBy', header: t('col.createdBy'), freeText: true },
    { key: 'createdAt', header: t('col.created'), kind: 'time' },
    { key: 'scheduledAt', header: t('col.scheduled'), kind: 'time' },
    { key: 'finishedAt', header: t('col.time'), kind: 'time', inTable: full },
    { key: 'rollbackOf', header: 'rollback of', inTable: full },
    { key: 'parentId', header: 'parent', inTable: full },
    {
      key: 'rowValues',
      header: t('col.rowValues'),
      get: (o) => describeRowValues(ctx, o.rowValues),
      inTable: full,
      freeText: true,
    },
  ];
}
