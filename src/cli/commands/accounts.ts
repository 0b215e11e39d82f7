import type { Command } from 'commander';
import type { Account } from '../../api/lines.js';
import type { Context } from '../context.js';
import { withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

/** vm accounts list. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const accounts = withExamples(program.command('accounts').description(t('cmd.accounts')), t, [
    'vm accounts list',
    'vm accounts list --json',
  ]);
  withExamples(accounts.command('list').description(t('cmd.accounts.list')), t, [
    'vm accounts list',
    'vm accounts list --csv --excel > accounts.csv',
  ]).action(async (_o, cmd: Command) => {
    ctx.use(cmd);
    const client = await ctx.client();
    const columns: Column<Account>[] = [
      { key: 'id', header: t('col.account') },
      { key: 'name', header: t('col.name'), freeText: true },
      { key: 'contractNo', header: t('col.contractNo') },
      { key: 'region', header: t('col.region') },
      { key: 'balance', header: t('col.balance'), kind: 'money' },
      { key: 'creditLimit', header: t('col.creditLimit'), kind: 'money' },
      { key: 'billingDay', header: t('col.billingDay'), kind: 'number' },
      { key: 'numbers', header: t('col.numbers'), kind: 'number' },
    ];
    await ctx.printRows(client.paginate('accounts.list'), columns);
  });
}
