import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { Payment } from '../../api/money.js';
import type { Context } from '../context.js';
import { idempotencyKeyOption, limitOption, requireMoney, take, withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

/** vm pay and vm payments list: top-ups and transfers between the company's accounts. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  withExamples(
    program
      .command('pay')
      .description(t('cmd.pay'))
      .requiredOption('--account <id>', t('opt.payAccount'))
      .requiredOption('--amount <money>', t('opt.payAmount'))
      .option('--from <id>', t('opt.payFrom'))
      .addOption(idempotencyKeyOption(ctx)),
    t,
    [
      'vm pay --account 4001003 --amount 1500.00',
      'vm pay --account 4001003 --amount "1 500,00" --from 4001001',
    ],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ account: string; amount: string; from?: string; idempotencyKey?: string }>(cmd);
    const amount = await requireMoney(o.amount, t);
    const { formatMoney } = await import('../../domain/money.js');
    const payment = await (
      await ctx.client()
    ).call('payments.create', {
      body: { account: o.account, amount, ...(o.from ? { from: o.from } : {}) },
      idempotencyKey: o.idempotencyKey ?? randomUUID(),
    });
    ctx.note(
      t(payment.kind === 'transfer' ? 'msg.transferred' : 'msg.paid', {
        amount: formatMoney(payment.amount, ctx.lang),
        account: payment.accountId,
        from: payment.fromAccountId ?? '',
        balance: formatMoney(payment.balanceAfter ?? 0, ctx.lang),
      }),
    );
    await ctx.printObject(payment, paymentColumns(ctx));
  });

  const payments = withExamples(program.command('payments').description(t('cmd.payments')), t, [
    'vm payments list',
    'vm payments list --account 4001003 --csv --excel > payments.csv',
  ]);
  withExamples(
    payments
      .command('list')
      .description(t('cmd.payments.list'))
      .option('--account <id>', t('opt.payAccount'))
      .addOption(limitOption(ctx)),
    t,
    ['vm payments list', 'vm payments list --account 4001001 --json'],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ account?: string; limit?: number }>(cmd);
    await ctx.printRows(
      take((await ctx.client()).paginate('payments.list', { account: o.account }), o.limit),
      paymentColumns(ctx),
    );
  });
}

function paymentColumns(ctx: Context): Column<Payment>[] {
  const t = ctx.t;
  return [
    { key: 'id', header: t('col.id'), kind: 'number' },
    { key: 'time', header: t('col.time'), kind: 'time' },
    { key: 'kind', header: t('col.type') },
    { key: 'accountId', header: t('col.account') },
    { key: 'fromAccountId', header: t('col.from') },
    { key: 'amount', header: t('col.amount'), kind: 'money' },
    { key: 'actor', header: t('col.createdBy'), freeText: true },
  ];
}
