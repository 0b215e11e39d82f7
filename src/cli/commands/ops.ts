import { Argument, Option, type Command } from 'commander';
import type { Context } from '../context.js';
import {
  itemColumns,
  operationColumns,
  printOperations,
  recordOutcome,
  reportOutcome,
  waitForOperation,
} from '../changes/index.js';
import { limitOption, take, withExamples } from '../command-options.js';
import { parseWhen } from '../when.js';
import { completeAs } from '../value-kinds.js';
import { OPERATION_STATES, OPERATION_TYPES } from '../../domain/operations.js';

/** vm ops list|show|wait|cancel|rollback: operations in the backend. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  // Each command that takes an operation names it by id: completion offers the recent ones.
  const operationId = () => completeAs('operations', new Argument('<id>'));
  const ops = withExamples(program.command('ops').description(t('cmd.ops')), t, [
    'vm ops list --state running',
    'vm ops show op_1a2b3c --items failed',
  ]);

  withExamples(
    ops
      .command('list')
      .description(t('cmd.ops.list'))
      .addOption(new Option('--state <state>', t('opt.opState')).choices([...OPERATION_STATES]))
      .addOption(new Option('--type <type>', t('opt.opType')).choices([...OPERATION_TYPES]))
      .option('--since <time>', t('opt.since'))
      .addOption(limitOption(ctx)),
    t,
    [
      'vm ops list',
      'vm ops list --state scheduled --json',
      'vm ops list --type number.block --since 2026-11-01',
    ],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ state?: string; type?: string; since?: string; limit?: number }>(cmd);
    const client = await ctx.client();
    const query = {
      state: o.state,
      type: o.type,
      since: o.since ? parseWhen(o.since, new Date(), t) : undefined,
    };
    await ctx.printRows(
      take(client.paginate('operations.list', query, Math.min(o.limit ?? 100, 1000)), o.limit),
      operationColumns(ctx),
    );
  });

  withExamples(
    ops
      .command('show')
      .addArgument(operationId())
      .description(t('cmd.ops.show'))
      .addOption(
        new Option('--items [state]', t('opt.items')).choices([
          'all',
          'failed',
          'succeeded',
          'skipped',
          'cancelled',
          'queued',
        ]),
      ),
    t,
    ['vm ops show op_1a2b3c', 'vm ops show op_1a2b3c --items failed --csv > failed.csv'],
  ).action(async (id: string, _o, cmd: Command) => {
    const o = ctx.use<{ items?: string | boolean }>(cmd);
    const client = await ctx.client();
    if (o.items) {
      const state = o.items === true || o.items === 'all' ? undefined : o.items;
      await ctx.printRows(
        client.paginate('operations.items', state ? { state } : {}, 1000, { id }),
        itemColumns(ctx),
      );
      return;
    }
    await ctx.printObject(
      await client.call('operations.show', { params: { id } }),
      operationColumns(ctx, true),
    );
  });

  withExamples(ops.command('wait').addArgument(operationId()).description(t('cmd.ops.wait')), t, [
    'vm ops wait op_1a2b3c',
    'vm ops wait op_1a2b3c --json > result.json',
  ]).action(async (id: string, _o, cmd: Command) => {
    ctx.use(cmd);
    const client = await ctx.client();
    const op = await waitForOperation(ctx, client, await client.call('operations.show', { params: { id } }));
    const { formatAsked } = await import('../output/format.js');
    // A format asked for prints the finished operation, as `vm ops show` does; else the outcome.
    if (!formatAsked({ ...ctx.opts, output: ctx.opts.format })) {
      await reportOutcome(ctx, client, [op]);
      return;
    }
    await printOperations(ctx, [op]);
    recordOutcome(ctx, [op]);
  });

  withExamples(ops.command('cancel').addArgument(operationId()).description(t('cmd.ops.cancel')), t, [
    'vm ops cancel op_1a2b3c',
    'vm ops list --state scheduled --fields id -o tsv | tail -n +2 | xargs -n1 vm ops cancel',
  ]).action(async (id: string, _o, cmd: Command) => {
    ctx.use(cmd);
    const op = await (await ctx.client()).call('operations.cancel', { params: { id } });
    ctx.note(t('msg.opCancelled', { id: op.id, state: op.state }));
  });

  withExamples(
    ops
      .command('rollback')
      .addArgument(operationId())
      .description(t('cmd.ops.rollback'))
      .option('--dry-run', t('opt.dryRun'))
      .option('-y, --yes', t('opt.yes'))
      .option('--no-wait', t('opt.noWait'))
      .addHelpText('after', `\n${t('help.rollback')}`),
    t,
    [
      'vm ops rollback op_1a2b3c --dry-run',
      'vm ops rollback op_1a2b3c --yes',
      'vm ops rollback op_1a2b3c --yes --no-wait --json',
    ],
  ).action(async (id: string, _o, cmd: Command) => {
    const o = ctx.use<{ dryRun?: boolean; yes?: boolean; wait?: boolean }>(cmd);
    const { runRollback } = await import('../changes/rollback.js');
    await runRollback(ctx, id, o);
  });
}
