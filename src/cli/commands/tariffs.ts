import type { Command } from 'commander';
import type { Tariff } from '../../api/lines.js';
import type { Context } from '../context.js';
import { withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

/** vm tariffs list. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const tariffs = withExamples(program.command('tariffs').description(t('cmd.tariffs')), t, [
    'vm tariffs list',
    'vm tariffs list --json',
  ]);
  withExamples(tariffs.command('list').description(t('cmd.tariffs.list')), t, [
    'vm tariffs list',
    'vm tariffs list --fields code,name,monthlyFee,regions --csv',
  ]).action(async (_o, cmd: Command) => {
    ctx.use(cmd);
    const client = await ctx.client();
    const allowance = (n: number) => (n < 0 ? t('value.unlimited') : n);
    const columns: Column<Tariff>[] = [
      { key: 'code', header: t('col.code') },
      { key: 'name', header: t('col.name'), freeText: true },
      { key: 'monthlyFee', header: t('col.monthlyFee'), kind: 'money' },
      {
        key: 'minutes',
        header: t('col.minutes'),
        kind: 'number',
        get: (r) => (ctx.opts.json ? r.minutes : allowance(r.minutes)),
      },
      { key: 'sms', header: t('col.sms'), kind: 'number', get: (r) => allowance(r.sms) },
      { key: 'dataMb', header: t('col.dataMb'), kind: 'number', get: (r) => allowance(r.dataMb) },
      { key: 'regions', header: t('col.regions'), kind: 'list' },
      { key: 'description', header: t('col.description'), inTable: false, freeText: true },
    ];
    await ctx.printRows(client.paginate('tariffs.list'), columns);
  });
}
