import type { Command } from 'commander';
import type { AccountBalance } from '../../api/billing.js';
import type { Context } from '../context.js';
import { withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

/** A row of `vm balance`: an account, or the company total at the end. */
type BalanceRow = Partial<AccountBalance> & { accountId: string; charged?: number };

/** vm balance: each account's balance, credit and current billing period, with a company total. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  withExamples(
    program.command('balance').description(t('cmd.balance')).option('--account <id>', t('opt.payAccount')),
    t,
    ['vm balance', 'vm balance --account 4001003', 'vm balance --json | jq .total'],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ account?: string }>(cmd);
    const balance = await (await ctx.client()).call('balance.show', { query: { account: o.account } });
    if ((await ctx.format()) === 'json') {
      ctx.io.stdout.write(`${JSON.stringify(balance, null, 2)}\n`);
      return;
    }
    const rows: BalanceRow[] = balance.accounts.map((a) => ({ ...a, charged: a.charges.total }));
    if (!o.account && (await ctx.format()) === 'table')
      rows.push({
        accountId: t('col.total'),
        balance: balance.total.balance,
        charged: balance.total.charges,
        forecast: balance.total.forecast,
      });
    const columns: Column<BalanceRow>[] = [
      { key: 'accountId', header: t('col.account') },
      { key: 'name', header: t('col.name'), freeText: true },
      { key: 'balance', header: t('col.balance'), kind: 'money' },
      { key: 'creditLimit', header: t('col.credit'), kind: 'money' },
      { key: 'periodStart', header: t('col.periodStart') },
      { key: 'periodEnd', header: t('col.periodEnd') },
      { key: 'charged', header: t('col.chargesSoFar'), kind: 'money' },
      { key: 'forecast', header: t('col.forecast'), kind: 'money' },
      {
        key: 'tariffFees',
        header: t('col.tariffFees'),
        kind: 'money',
        get: (r) => r.charges?.tariffFees,
        inTable: false,
      },
      {
        key: 'serviceFees',
        header: t('col.serviceFees'),
        kind: 'money',
        get: (r) => r.charges?.serviceFees,
        inTable: false,
      },
      {
        key: 'usage',
        header: t('col.usageCharges'),
        kind: 'money',
        get: (r) => r.charges?.usage,
        inTable: false,
      },
      {
        key: 'oneTime',
        header: t('col.oneTime'),
        kind: 'money',
        get: (r) => r.charges?.oneTime,
        inTable: false,
      },
    ];
    await ctx.printRows(rows, columns);
    ctx.note(t('msg.balanceClosed', { day: balance.closedThrough }));
  });
}
