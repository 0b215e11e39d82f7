import type { OperationParamsOf } from '../../api/operations.js';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { addChangeOptions, runChange, type ChangeFlags } from '../changes/index.js';
import { UsageError } from '../errors.js';
import { withExamples } from '../command-options.js';

/** vm number change: give a line a new number (chosen, or picked by the operator). */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const number = withExamples(program.command('number').description(t('cmd.number')), t, [
    'vm number change +79161234567 --pick',
    'vm number change +79161234567 --to +79161112233',
  ]);
  const change = number
    .command('change <number>')
    .description(t('cmd.numberChange'))
    .option('--to <number>', t('opt.numberTo'))
    .option('--pick', t('opt.numberPick'));
  addChangeOptions(change, ctx);
  withExamples(change, t, [
    'vm number change +79161234567 --pick --yes',
    'vm number change "8 (916) 123-45-67" --to "8 (916) 111-22-33" --dry-run',
  ]).action(async (msisdn: string, _o, cmd: Command) => {
    const flags = ctx.use<ChangeFlags & { to?: string; pick?: boolean }>(cmd);
    if (Boolean(flags.to) === Boolean(flags.pick)) throw new UsageError(t('err.numberToOrPick'));
    const params: OperationParamsOf<'number.change'> = {};
    if (flags.to) {
      const { parseMsisdn } = await import('../../domain/msisdn.js');
      params.to = parseMsisdn(flags.to);
    } else params.pick = true;
    await runChange(
      ctx,
      { type: 'number.change', params, numbers: [msisdn], alwaysConfirm: true, noFilters: true },
      flags,
    );
  });
}
