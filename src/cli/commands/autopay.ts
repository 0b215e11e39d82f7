import type { Command } from 'commander';
import type { Autopay } from '../../api/money.js';
import type { Context } from '../context.js';
import { requireMoney, withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

/** vm autopay set|show|off: the backend tops an account up when its balance falls below a threshold. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const autopay = withExamples(program.command('autopay').description(t('cmd.autopay')), t, [
    'vm autopay set --account 4001001 --below 1000 --amount 5000',
    'vm autopay show',
  ]);
  withExamples(
    autopay
      .command('set')
      .description(t('cmd.autopay.set'))
      .requiredOption('--account <id>', t('opt.payAccount'))
      .requiredOption('--below <money>', t('opt.autopayBelow'))
      .requiredOption('--amount <money>', t('opt.payAmount')),
    t,
    [
      'vm autopay set --account 4001001 --below 1000 --amount 5000',
      'vm autopay set --account 4001003 --below "1 000,00" --amount "2 500,00"',
    ],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ account: string; below: string; amount: string }>(cmd);
    const rule = await (
      await ctx.client()
    ).call('autopay.set', {
      body: {
        account: o.account,
        below: await requireMoney(o.below, t),
        amount: await requireMoney(o.amount, t),
      },
    });
    const { formatMoney } = await import('../../domain/money.js');
    ctx.note(
      t('msg.autopaySet', {
        account: rule.accountId,
        below: formatMoney(rule.below, ctx.lang),
        amount: formatMoney(rule.amount, ctx.lang),
      }),
    );
  });
  withExamples(autopay.command('show').description(t('cmd.autopay.show')), t, [
    'vm autopay show',
    'vm autopay show --json',
  ]).action(async (_o, cmd: Command) => {
    ctx.use(cmd);
    const columns: Column<Autopay>[] = [
      { key: 'accountId', header: t('col.account') },
      { key: 'below', header: t('col.below'), kind: 'money' },
      { key: 'amount', header: t('col.amount'), kind: 'money' },
      { key: 'updatedBy', header: t('col.createdBy'), freeText: true },
      { key: 'updatedAt', header: t('col.time'), kind: 'time' },
    ];
    await ctx.printRows((await (await ctx.client()).call('autopay.list')).data, columns);
  });
  withExamples(
    autopay
      .command('off')
      .description(t('cmd.autopay.off'))
      .requiredOption('--account <id>', t('opt.payAccount')),
    t,
    ['vm autopay off --account 4001001', 'vm autopay off --account 4001003 --lang ru'],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ account: string }>(cmd);
    await (await ctx.client()).call('autopay.off', { params: { account: o.account } });
    ctx.note(t('msg.autopayOff', { account: o.account }));
  });
}
