import { Option, type Command } from 'commander';
import type { OperationParamsOf } from '../../api/operations.js';
import type { OperationType } from '../../domain/operations.js';
import type { Context } from '../context.js';
import { idempotencyKeyOption } from '../command-options.js';
import { completeAs } from '../value-kinds.js';
import type { CodeParam } from './codes.js';

/** Flags every changing command takes (CLI.md "Targets" and "Changes"). */
export interface ChangeFlags {
  file?: string[];
  column?: string;
  skipInvalid?: boolean;
  group?: string;
  account?: string;
  tariff?: string;
  region?: string;
  all?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  wait?: boolean;
  idempotencyKey?: string;
  at?: string;
}

/** What a command asks to change: an operation type and its parameters, as the contract types them. */
export interface ChangeRequest<T extends OperationType = OperationType> {
  type: T;
  params: OperationParamsOf<T>;
  /** Numbers given as arguments. */
  numbers: string[];
  /** Per-row CSV columns this command understands (`tariff`, `service`, `at`, …). */
  paramColumns?: string[];
  /** Block, SIM replacement, number change: confirm even for one number. */
  alwaysConfirm?: boolean;
  /** Options that take no filter (a SIM replacement names its one number). */
  noFilters?: boolean;
  /**
   * The parameter naming a catalog entry (`tariff`, `service`): the command's own value and each row's
   * are checked against the backend's catalog before anything is sent (an unknown one is an input error
   * with a suggestion), and sent as the catalog spells them.
   */
  code?: CodeParam;
  /** Checks and converts a row's per-row parameters (e.g. money to kopecks); an error rejects the row. */
  checkRow?: (params: Record<string, string>) => { params: Record<string, string> } | { error: string };
}

/** The ways to name numbers, added to a changing command. */
export function addTargetOptions(
  cmd: Command,
  ctx: Context,
  opts: { filters?: boolean; tariffFilter?: boolean } = {},
): Command {
  const t = ctx.t;
  cmd
    .addOption(new Option('--file <path...>', t('opt.file')))
    .addOption(new Option('--column <name>', t('opt.column')))
    .addOption(new Option('--skip-invalid', t('opt.skipInvalid')));
  if (opts.filters !== false) {
    cmd
      .addOption(new Option('--group <group>', t('opt.targetGroup')))
      .addOption(new Option('--account <id>', t('opt.targetAccount')))
      .addOption(new Option('--region <code>', t('opt.targetRegion')))
      .addOption(new Option('--all', t('opt.targetAll')));
    if (opts.tariffFilter !== false)
      cmd.addOption(completeAs('tariffs', new Option('--tariff <code>', t('opt.targetTariff'))));
  }
  return cmd;
}

/** The flags of plan / confirm / submit / wait, added to a changing command. */
export function addChangeOptions(cmd: Command, ctx: Context, opts: { at?: boolean } = {}): Command {
  const t = ctx.t;
  cmd
    .addOption(new Option('--dry-run', t('opt.dryRun')))
    .addOption(new Option('-y, --yes', t('opt.yes')))
    .addOption(new Option('--no-wait', t('opt.noWait')))
    .addOption(idempotencyKeyOption(ctx));
  if (opts.at !== false) cmd.addOption(new Option('--at <time>', t('opt.at')));
  return cmd;
}
