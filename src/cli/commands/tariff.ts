import type { Command } from 'commander';
import type { Context } from '../context.js';
import { addChangeOptions, addTargetOptions, runChange, type ChangeFlags } from '../changes/index.js';
import { withExamples } from '../command-options.js';

/** vm tariff set: change the tariff of numbers. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const tariff = withExamples(program.command('tariff').description(t('cmd.tariff')), t, [
    'vm tariff set SMART +79161234567',
    'vm tariff set BUSINESS_PRO --file staff.csv --dry-run',
  ]);
  const set = tariff.command('set <tariff> [numbers...]').description(t('cmd.tariff.set'));
  addTargetOptions(set, ctx);
  addChangeOptions(set, ctx);
  withExamples(set, t, [
    'vm tariff set SMART +79161234567',
    'vm tariff set BUSINESS_PRO --file staff.csv --dry-run',
    'vm tariff set SMART_PLUS --group "Sales North" --yes',
    'vm tariff set UNLIM --file moscow.csv --yes --no-wait --idempotency-key nightly-2026-12-01',
    'vm tariff set SMART --file per-row.csv --yes     # a "tariff" column overrides SMART per row',
  ]).action(async (code: string, numbers: string[], _o, cmd: Command) => {
    const flags = ctx.use<ChangeFlags>(cmd);
    await runChange(
      ctx,
      {
        type: 'tariff.change',
        params: { tariff: code },
        numbers,
        paramColumns: ['tariff', 'at'],
        code: 'tariff',
      },
      flags,
    );
  });
}
