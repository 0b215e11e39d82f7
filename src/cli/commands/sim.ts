import type { OperationParamsOf } from '../../api/operations.js';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { addChangeOptions, runChange, type ChangeFlags } from '../changes/index.js';
import { withExamples } from '../command-options.js';
import { completeAs } from '../value-kinds.js';

/** vm sim-replace and vm sim order. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const replace = program
    .command('sim-replace <number>')
    .description(t('cmd.simReplace'))
    .requiredOption('--iccid <iccid>', t('opt.iccid'));
  addChangeOptions(replace, ctx);
  withExamples(replace, t, [
    'vm sim-replace +79161234567 --iccid 89701012345678901237',
    'vm sim-replace "8 (916) 123-45-67" --iccid 8970101234567890123 --yes',
  ]).action(async (number: string, _o, cmd: Command) => {
    const flags = ctx.use<ChangeFlags & { iccid: string }>(cmd);
    await runChange(
      ctx,
      {
        type: 'sim.replace',
        params: { iccid: flags.iccid.replace(/\s/g, '') },
        numbers: [number],
        alwaysConfirm: true,
        noFilters: true,
      },
      flags,
    );
  });

  const sim = withExamples(program.command('sim').description(t('cmd.sim')), t, [
    'vm sim order --count 5 --tariff SMART --account 4001001',
    'vm sim order --count 20 --tariff DATA_ONLY --account 4001004 --group warehouse --delivery "Ekaterinburg, Lenina 1"',
  ]);
  const order = sim
    .command('order')
    .description(t('cmd.simOrder'))
    .requiredOption('--count <n>', t('opt.simCount'), (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 10_000)
        throw new InvalidArgumentError(t('err.wholeNumberRange', { min: 1, max: 10_000 }));
      return n;
    })
    .addOption(completeAs('tariffs', new Option('--tariff <code>', t('opt.simTariff')).makeOptionMandatory()))
    .requiredOption('--account <id>', t('opt.simAccount'))
    .option('--group <group>', t('opt.simGroup'))
    .option('--delivery <address>', t('opt.simDelivery'));
  addChangeOptions(order, ctx);
  withExamples(order, t, [
    'vm sim order --count 5 --tariff SMART --account 4001001',
    'vm sim order --count 20 --tariff DATA_ONLY --account 4001004 --group drivers --delivery "Ekaterinburg, Lenina 1" --yes',
  ]).action(async (_o, cmd: Command) => {
    const flags = ctx.use<
      ChangeFlags & { count: number; tariff: string; account: string; group?: string; delivery?: string }
    >(cmd);
    const params: OperationParamsOf<'sim.order'> = {
      count: flags.count,
      tariff: flags.tariff.toUpperCase(),
      account: flags.account,
    };
    if (flags.group) params.group = flags.group;
    if (flags.delivery) params.delivery = flags.delivery;
    await runChange(
      ctx,
      { type: 'sim.order', params, numbers: [], alwaysConfirm: flags.count > 1, noFilters: true },
      { ...flags, group: undefined, account: undefined, tariff: undefined },
    );
  });
}
