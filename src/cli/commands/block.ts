import type { OperationParamsOf } from '../../api/operations.js';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { addChangeOptions, addTargetOptions, runChange, type ChangeFlags } from '../changes/index.js';
import { withExamples } from '../command-options.js';
import { parseWhen } from '../when.js';

/** vm block / vm unblock: now, or scheduled in the backend (--at, --until). */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const block = program.command('block [numbers...]').description(t('cmd.block'));
  addTargetOptions(block, ctx);
  addChangeOptions(block, ctx);
  block
    .requiredOption('--reason <reason>', t('opt.blockReason'))
    .option('--until <time>', t('opt.blockUntil'));
  withExamples(block, t, [
    'vm block +79161234567 --reason lost --yes',
    'vm block --file leavers.csv --reason employee_left --dry-run',
    'vm block --group drivers --reason vacation --at "2026-12-31 18:00" --until "2027-01-09 08:00" --yes',
  ]).action(async (numbers: string[], _o, cmd: Command) => {
    const flags = ctx.use<ChangeFlags & { reason: string; until?: string }>(cmd);
    const params: OperationParamsOf<'number.block'> = { reason: flags.reason };
    if (flags.until) params.until = parseWhen(flags.until, await ctx.nowFor(flags.until), t);
    await runChange(
      ctx,
      { type: 'number.block', params, numbers, paramColumns: ['reason', 'at'], alwaysConfirm: true },
      flags,
    );
  });

  const unblock = program.command('unblock [numbers...]').description(t('cmd.unblock'));
  addTargetOptions(unblock, ctx);
  addChangeOptions(unblock, ctx);
  withExamples(unblock, t, [
    'vm unblock +79161234567',
    'vm unblock --file back-from-vacation.csv --at 08:00 --yes',
  ]).action(async (numbers: string[], _o, cmd: Command) => {
    const flags = ctx.use<ChangeFlags>(cmd);
    await runChange(ctx, { type: 'number.unblock', params: {}, numbers, paramColumns: ['at'] }, flags);
  });
}
