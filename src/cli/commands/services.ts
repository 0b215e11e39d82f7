import type { OperationParamsOf } from '../../api/operations.js';
import { Option, type Command } from 'commander';
import type { Service } from '../../api/lines.js';
import type { Context } from '../context.js';
import { addChangeOptions, addTargetOptions, runChange, type ChangeFlags } from '../changes/index.js';
import { parseWhen } from '../when.js';
import { withExamples } from '../command-options.js';
import { completeAs } from '../value-kinds.js';
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
      .addOption(completeAs('tariffs', new Option('--tariff <code>', t('cmd.services.tariff')))),
    t,
    ['vm services list', 'vm services list --tariff BUSINESS_PRO --json'],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ tariff?: string }>(cmd);
    const client = await ctx.client();
    const columns: Column<Service>[] = [
      { key: 'code', header: t('col.code') },
      { key: 'name', header: t('col.name'), freeText: true },
      { key: 'monthlyFee', header: t('col.monthlyFee'), kind: 'money' },
      { key: 'connectFee', header: t('col.connectFee'), kind: 'money' },
      { key: 'incompatibleWith', header: t('col.incompatibleWith'), kind: 'list' },
      { key: 'description', header: t('col.description'), inTable: false, freeText: true },
    ];
    await ctx.printRows(client.paginate('services.list', { tariff: o.tariff }), columns);
  });

  for (const verb of ['add', 'remove'] as const) {
    const cmd = services
      .command(`${verb} <service> [numbers...]`)
      .description(t(verb === 'add' ? 'cmd.services.add' : 'cmd.services.remove'));
    addTargetOptions(cmd, ctx);
    addChangeOptions(cmd, ctx);
    if (verb === 'add') cmd.option('--until <time>', t('opt.serviceUntil'));
    withExamples(
      cmd,
      t,
      verb === 'add'
        ? [
            'vm services add ROAM_EU +79161234567 --until 2026-12-20',
            'vm services add ANTISPAM --group sales --yes',
            'vm services add VOICEMAIL --file staff.csv --dry-run',
          ]
        : ['vm services remove ROAM_WORLD +79161234567', 'vm services remove MMS --all --yes --no-wait'],
    ).action(async (code: string, numbers: string[], _o, c: Command) => {
      const flags = ctx.use<ChangeFlags & { until?: string }>(c);
      const params: OperationParamsOf<'service.add'> = { service: code };
      if (flags.until) params.until = parseWhen(flags.until, await ctx.nowFor(flags.until), t);
      await runChange(
        ctx,
        {
          type: verb === 'add' ? 'service.add' : 'service.remove',
          params,
          numbers,
          paramColumns: ['service', 'at'],
          code: 'service',
        },
        flags,
      );
    });
  }
}
