import { isLimitAction } from '../../domain/operations.js';
import type { OperationParamsOf } from '../../api/operations.js';
import type { Command } from 'commander';
import type { GroupLimitView, LimitView } from '../../api/billing.js';
import type { Context } from '../context.js';
import { addChangeOptions, addTargetOptions, runChange, type ChangeFlags } from '../changes/index.js';
import { limitOption, positiveMoneyReader, requireMoney, take, withExamples } from '../command-options.js';
import { UsageError } from '../errors.js';
import type { Column } from '../output/render.js';

/**
 * vm limits set|list|remove: spending limits per number and billing period. Setting and removing are
 * operations (targets, CSV with per-row `monthly`/`action`, dry run, confirmation, rollback) like every
 * bulk change; on a breach the backend notifies, and for `block` blocks the number by an operation.
 * The list shows each limit's thresholds too (`vm alerts`: the rules on spend and the defaults).
 */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  /** --for-group names a group's own limit: numbers, files and filters would say something else. */
  const groupAlone = (numbers: string[], f: ChangeFlags) => {
    if (numbers.length || f.file?.length || f.group || f.account || f.region || f.tariff || f.all)
      throw new UsageError(t('err.forGroupAlone'));
  };

  const limits = withExamples(program.command('limits').description(t('cmd.limits')), t, [
    'vm limits set +79161234567 --monthly 2000 --action block',
    'vm limits list',
  ]);

  const set = limits.command('set [numbers...]').description(t('cmd.limits.set'));
  addTargetOptions(set, ctx);
  addChangeOptions(set, ctx);
  set
    .option('--monthly <money>', t('opt.limitMonthly'))
    .option('--action <action>', t('opt.limitAction'), 'notify')
    .option('--for-group <group>', t('opt.limitForGroup'));
  withExamples(set, t, [
    'vm limits set +79161234567 --monthly 2000 --action block',
    'vm limits set --group drivers --monthly "1 500,00" --yes',
    'vm limits set --file limits.csv --yes   # columns: number, monthly, action',
    'vm limits set --for-group drivers --monthly 1500 --action block   # also numbers added later',
  ]).action(async (numbers: string[], _o, cmd: Command) => {
    const flags = ctx.use<ChangeFlags & { monthly?: string; action: string; forGroup?: string }>(cmd);
    const kopecks = await positiveMoneyReader();
    const action = flags.action.trim().toLowerCase();
    if (!isLimitAction(action)) throw new UsageError(t('err.limitAction', { value: flags.action }));
    if (flags.forGroup !== undefined) {
      groupAlone(numbers, flags);
      const monthly = await requireMoney(flags.monthly ?? '', t);
      const set = await (
        await ctx.client()
      ).call('limits.groupSet', {
        body: { group: flags.forGroup, monthly, action },
      });
      const { formatMoney } = await import('../../domain/money.js');
      ctx.note(
        t('msg.groupLimitSet', {
          group: set.groupName,
          monthly: formatMoney(set.monthly, ctx.lang),
          action: set.action,
        }),
      );
      return;
    }
    const params: OperationParamsOf<'limit.set'> = { action };
    if (flags.monthly !== undefined) params.monthly = String(await requireMoney(flags.monthly, t));
    else if (!flags.file?.length) throw new UsageError(t('err.limitMonthlyNeeded'));
    await runChange(
      ctx,
      {
        type: 'limit.set',
        params,
        numbers,
        paramColumns: ['monthly', 'action', 'at'],
        checkRow: (row) => {
          const out = { ...row };
          if (row.monthly !== undefined) {
            const k = kopecks(row.monthly);
            if (k === undefined) return { error: t('err.rowMonthly', { value: row.monthly }) };
            out.monthly = String(k);
          } else if (params.monthly === undefined) return { error: t('err.rowMonthlyMissing') };
          if (row.action !== undefined) {
            out.action = row.action.trim().toLowerCase();
            if (!isLimitAction(out.action)) return { error: t('err.limitAction', { value: row.action }) };
          }
          return { params: out };
        },
      },
      flags,
    );
  });

  const remove = limits.command('remove [numbers...]').description(t('cmd.limits.remove'));
  addTargetOptions(remove, ctx);
  addChangeOptions(remove, ctx);
  remove.option('--for-group <group>', t('opt.limitForGroupRemove'));
  withExamples(remove, t, [
    'vm limits remove +79161234567',
    'vm limits remove --group drivers --yes',
    'vm limits remove --for-group drivers',
  ]).action(async (numbers: string[], _o, cmd: Command) => {
    const flags = ctx.use<ChangeFlags & { forGroup?: string }>(cmd);
    if (flags.forGroup !== undefined) {
      groupAlone(numbers, flags);
      await (await ctx.client()).call('limits.groupRemove', { params: { group: flags.forGroup } });
      ctx.note(t('msg.groupLimitRemoved', { group: flags.forGroup }));
      return;
    }
    await runChange(ctx, { type: 'limit.remove', params: {}, numbers, paramColumns: ['at'] }, flags);
  });

  withExamples(
    limits
      .command('list')
      .description(t('cmd.limits.list'))
      .option('--group <group>', t('opt.group'))
      .option('--number <number>', t('opt.number'))
      .option('--groups', t('opt.limitGroups'))
      .addOption(limitOption(ctx)),
    t,
    ['vm limits list', 'vm limits list --group drivers --csv', 'vm limits list --groups'],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ group?: string; number?: string; limit?: number; groups?: boolean }>(cmd);
    // The thresholds on each limit (vm alerts): its rules on spend and the defaults, as one cell.
    const alertsCell = await (await import('./alerts.js')).limitAlertsCell(ctx);
    if (o.groups) {
      const groupColumns: Column<GroupLimitView>[] = [
        { key: 'groupId', header: t('col.group') },
        { key: 'groupName', header: t('col.name'), freeText: true },
        { key: 'monthly', header: t('col.limit'), kind: 'money' },
        { key: 'action', header: t('col.action') },
        { key: 'alerts', header: t('col.alerts'), kind: 'list', get: (r) => alertsCell(r.alerts) },
        { key: 'setBy', header: t('col.setBy'), freeText: true },
        { key: 'setAt', header: t('col.setAt'), kind: 'time' },
      ];
      await ctx.printRows((await (await ctx.client()).call('limits.groups')).data, groupColumns);
      return;
    }
    const columns: Column<LimitView>[] = [
      { key: 'msisdn', header: t('col.number') },
      { key: 'monthly', header: t('col.limit'), kind: 'money' },
      { key: 'spent', header: t('col.spent'), kind: 'money' },
      { key: 'action', header: t('col.action') },
      { key: 'breached', header: t('col.breached'), kind: 'bool' },
      { key: 'periodStart', header: t('col.periodStart') },
      { key: 'alerts', header: t('col.alerts'), kind: 'list', get: (r) => alertsCell(r.alerts) },
      { key: 'setBy', header: t('col.setBy'), freeText: true },
      { key: 'setAt', header: t('col.setAt'), kind: 'time' },
    ];
    await ctx.printRows(
      take((await ctx.client()).paginate('limits.list', { group: o.group, number: o.number }), o.limit),
      columns,
    );
  });
}
