import type { Command } from 'commander';
import type { Service } from '../../api/lines.js';
import type { Context } from '../context.js';
import { withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

/** vm services list. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const services = withExamples(program.command('services').description(t('cmd.services')), t, [
    'vm services list',
    'vm services list --tariff SMART',
  ]);
  withExamples(
    services
      .command('list')
      .description(t('cmd.services.list'))
      .option('--tariff <code>', t('cmd.services.tariff')),
    t,
    ['vm services list', 'vm services list --tariff BUSINESS_PRO --json'],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ tariff?: string }>(cmd);
    const client = await ctx.client();
    const columns: Column<Service>[] = [
      { key: 'code', header: t('col.code') },
      { key: 'name', header: t('col.name') },
      { key: 'monthlyFee', header: t('col.monthlyFee'), kind: 'money' },
      { key: 'connectFee', header: t('col.connectFee'), kind: 'money' },
      { key: 'incompatibleWith', header: t('col.incompatibleWith'), kind: 'list' },
      { key: 'description', header: t('col.description'), inTable: false },
    ];
    await ctx.printRows(client.paginate('services.list', { tariff: o.tariff }), columns);
  });
}
