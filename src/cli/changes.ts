import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import type {
  Operation,
  OperationCreateBody,
  OperationItem,
  Plan,
  PlanItem,
  Target,
  TargetFilter,
} from '../api/operations.js';
import type { OperationType } from '../domain/operations.js';
import type { VmClient } from '../client/client.js';
import type { Context } from './context.js';
import { CliError, EXIT, UsageError } from './errors.js';
import type { MessageKey } from './i18n/index.js';
import type { Column } from './output/render.js';
import { parseWhen } from './when.js';

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

/** What a command asks to change. */
export interface ChangeRequest {
  type: OperationType;
  params: Record<string, unknown>;
  /** Numbers given as arguments. */
  numbers: string[];
  /** Per-row CSV columns this command understands (`tariff`, `service`, `at`, …). */
  paramColumns?: string[];
  /** Block, SIM replacement, number change: confirm even for one number. */
  alwaysConfirm?: boolean;
  /** Options that take no filter (a SIM replacement names its one number). */
  noFilters?: boolean;
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
    if (opts.tariffFilter !== false) cmd.addOption(new Option('--tariff <code>', t('opt.targetTariff')));
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
    .addOption(new Option('--idempotency-key <key>', t('opt.idempotencyKey')));
  if (opts.at !== false) cmd.addOption(new Option('--at <time>', t('opt.at')));
  return cmd;
}

interface Batch {
  body: OperationCreateBody;
  count: number;
}

/**
 * The one flow of every change: read and validate all targets, plan (--dry-run), confirm (TTY) or
 * demand --yes (no TTY), submit with an Idempotency-Key, wait with progress, report, exit 0/3.
 */
export async function runChange(ctx: Context, req: ChangeRequest, flags: ChangeFlags): Promise<void> {
  const t = ctx.t;
  const batches = await buildBatches(ctx, req, flags);
  const count = batches.reduce((n, b) => n + b.count, 0);
  const client = await ctx.client();
  if (flags.dryRun) {
    await printPlans(ctx, client, batches);
    return;
  }
  const needsConfirm = req.alwaysConfirm || count > 1;
  if (needsConfirm && !flags.yes) {
    if (!ctx.canPrompt) {
      throw new UsageError(
        count > 1
          ? t('change.needsYes', { count, type: req.type })
          : t('change.needsYesOne', { type: req.type }),
      );
    }
    const plans = await Promise.all(batches.map((b) => plan(client, b)));
    const sum = sumPlans(plans);
    const { confirm } = await import('@inquirer/prompts');
    const { formatMoney } = await import('../domain/money.js');
    const ok = await confirm(
      {
        message: t('change.confirm', {
          type: req.type,
          count,
          apply: sum.apply,
          skip: sum.skip,
          fail: sum.fail,
          delta: formatMoney(sum.monthlyDelta, ctx.lang),
          fees: formatMoney(sum.fees, ctx.lang),
        }),
        default: false,
      },
      { output: ctx.io.stderr as NodeJS.WritableStream },
    );
    if (!ok) {
      ctx.note(t('change.aborted'));
      return;
    }
  }
  const key = flags.idempotencyKey ?? randomUUID();
  const operations: Operation[] = [];
  for (const [i, batch] of batches.entries()) {
    const op = await client.call('operations.create', {
      body: batch.body,
      idempotencyKey: batches.length === 1 ? key : `${key}:${i + 1}`,
    });
    operations.push(op);
    ctx.note(
      op.replayed
        ? t('change.replayed', { id: op.id })
        : t('change.submitted', { id: op.id, count: op.total }),
    );
  }
  if (flags.wait === false) {
    for (const op of operations) ctx.io.stdout.write(`${op.id}\n`);
    ctx.note(t('change.noWait', { id: operations[0]?.id ?? '' }));
    return;
  }
  const finals: Operation[] = [];
  for (const op of operations) {
    if (op.state === 'scheduled') {
      ctx.note(t('change.scheduled', { id: op.id, at: op.scheduledAt ?? '' }));
      ctx.io.stdout.write(`${op.id}\n`);
      continue;
    }
    finals.push(await waitFor(ctx, client, op));
  }
  if (finals.length) await reportOutcome(ctx, client, finals);
}

/** Reads the targets (all of them, validated, before anything is sent) and groups them into operations. */
async function buildBatches(ctx: Context, req: ChangeRequest, flags: ChangeFlags): Promise<Batch[]> {
  const t = ctx.t;
  const scheduledAt = flags.at ? parseWhen(flags.at, new Date(), t) : undefined;
  const filter = req.noFilters ? undefined : filterOf(flags);
  const files = flags.file ?? [];
  const base = { type: req.type, params: req.params, ...(scheduledAt ? { scheduledAt } : {}) };
  if (req.type === 'sim.order') return [{ body: base, count: Number(req.params.count) }];
  if (req.numbers.length === 0 && files.length === 0) {
    if (!filter) throw new UsageError(t('change.noTargets'));
    return [{ body: { ...base, filter }, count: await countFilter(ctx, filter) }];
  }
  const { readTargets } = await import('./input/number-list.js');
  const read = await readTargets(
    req.numbers,
    files,
    {
      column: flags.column,
      skipInvalid: flags.skipInvalid,
      paramColumns: req.paramColumns ?? [],
    },
    ctx.io.stdin,
  );
  if (read.errorCount > 0) {
    const { formatRowErrors } = await import('./input/number-list.js');
    ctx.io.stderr.write(`${formatRowErrors(read.errors, read.errorCount)}\n`);
    ctx.note(t('change.skippedInvalid', { count: read.errorCount }));
  }
  if (read.duplicates.length) {
    const first = read.duplicates[0];
    ctx.note(
      t('change.duplicates', {
        count: read.duplicates.length,
        first: `${first?.msisdn} (${first?.lines.join(', ')})`,
      }),
    );
  }
  const targets: (Target & { at?: string })[] = read.rows.map((r) => {
    const { at, ...params } = r.params;
    return {
      msisdn: r.msisdn,
      ...(Object.keys(params).length ? { params } : {}),
      ...(at ? { at: parseWhen(at, new Date(), t) } : {}),
    };
  });
  if (filter) {
    const client = await ctx.client();
    const seen = new Set(targets.map((x) => x.msisdn));
    for await (const n of client.paginate('numbers.list', filter)) {
      if (!seen.has(n.msisdn)) targets.push({ msisdn: n.msisdn });
    }
  }
  if (targets.length === 0) throw new UsageError(t('change.noTargets'));
  // One operation per distinct `at` (per-row schedule), each split to the contract's size limit.
  const byAt = new Map<string | undefined, Target[]>();
  for (const { at, ...target } of targets) {
    const when = at ?? scheduledAt;
    const list = byAt.get(when);
    if (list) list.push(target);
    else byAt.set(when, [target]);
  }
  const { MAX_TARGETS_PER_OPERATION } = await import('../api/operations.js');
  const batches: Batch[] = [];
  for (const [when, list] of byAt) {
    for (let i = 0; i < list.length; i += MAX_TARGETS_PER_OPERATION) {
      const slice = list.slice(i, i + MAX_TARGETS_PER_OPERATION);
      batches.push({
        body: { type: req.type, params: req.params, targets: slice, ...(when ? { scheduledAt: when } : {}) },
        count: slice.length,
      });
    }
  }
  return batches;
}

function filterOf(flags: ChangeFlags): TargetFilter | undefined {
  const f: TargetFilter = {};
  if (flags.group) f.group = flags.group;
  if (flags.account) f.account = flags.account;
  if (flags.tariff) f.tariff = flags.tariff;
  if (flags.region) f.region = flags.region;
  if (flags.all) f.all = true;
  return Object.keys(f).length ? f : undefined;
}

async function countFilter(ctx: Context, filter: TargetFilter): Promise<number> {
  const client = await ctx.client();
  let n = 0;
  const { all: _all, ...query } = filter;
  for await (const _ of client.paginate('numbers.list', query)) n++;
  return n;
}

async function plan(client: VmClient, batch: Batch): Promise<Plan> {
  return (await client.call('operations.create', {
    body: batch.body,
    query: { dryRun: true },
  })) as unknown as Plan;
}

function sumPlans(plans: Plan[]): {
  apply: number;
  skip: number;
  fail: number;
  monthlyDelta: number;
  fees: number;
} {
  return plans.reduce(
    (s, p) => ({
      apply: s.apply + p.apply,
      skip: s.skip + p.skip,
      fail: s.fail + p.fail,
      monthlyDelta: s.monthlyDelta + p.monthlyDelta,
      fees: s.fees + p.fees,
    }),
    { apply: 0, skip: 0, fail: 0, monthlyDelta: 0, fees: 0 },
  );
}

/** Prints the plan of a dry run: per number now → after, cost, problem; totals on stderr. */
async function printPlans(ctx: Context, client: VmClient, batches: Batch[]): Promise<void> {
  const t = ctx.t;
  const plans = await Promise.all(batches.map((b) => plan(client, b)));
  const format = await ctx.format();
  if (format === 'json' && plans.length === 1) {
    await ctx.printObject(plans[0], []);
  } else {
    await ctx.printRows(
      plans.flatMap((p) => p.items),
      planColumns(ctx),
      false,
    );
  }
  const sum = sumPlans(plans);
  const { formatMoney } = await import('../domain/money.js');
  ctx.note(
    t('change.planTotals', {
      apply: sum.apply,
      skip: sum.skip,
      fail: sum.fail,
      delta: formatMoney(sum.monthlyDelta, ctx.lang),
      fees: formatMoney(sum.fees, ctx.lang),
    }),
  );
}

/** Words a before/after field set for a person: `SMART`, `+ANTISPAM`, `blocked (lost)`. */
export function describeFields(fields: Record<string, unknown> | null): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) =>
      Array.isArray(v)
        ? v.join(',') || '—'
        : v === null
          ? '—'
          : k === 'status' || k === 'tariff' || k === 'msisdn' || k === 'iccid' || k === 'groupId'
            ? String(v)
            : `${k}=${String(v)}`,
    )
    .join(' ');
}

/** The reason of an item code, in the user's language. */
export function itemReason(ctx: Context, code: string | null, detail: string | null): string {
  if (!code) return '';
  const key = `item.${code}` as MessageKey;
  const text = ctx.t(key);
  const reason = text === key ? code : text;
  return detail ? `${code}: ${reason} (${detail})` : `${code}: ${reason}`;
}

function planColumns(ctx: Context): Column<PlanItem>[] {
  const t = ctx.t;
  return [
    { key: 'msisdn', header: t('col.msisdn') },
    { key: 'outcome', header: t('col.outcome') },
    { key: 'before', header: t('col.now'), get: (i) => describeFields(i.before) },
    { key: 'after', header: t('col.after'), get: (i) => describeFields(i.after) },
    { key: 'monthlyDelta', header: t('col.delta'), kind: 'money' },
    { key: 'fee', header: t('col.fee'), kind: 'money' },
    { key: 'code', header: t('col.problem'), inTable: false },
    { key: 'reason', header: t('col.reason'), get: (i) => itemReason(ctx, i.code, i.detail) },
  ];
}

const FINAL = new Set(['succeeded', 'partially_failed', 'failed', 'cancelled']);

/** Polls an operation until it ends, with a progress bar on a terminal; Ctrl-C stops waiting (exit 130). */
export async function waitFor(ctx: Context, client: VmClient, op: Operation): Promise<Operation> {
  let current = op;
  const showBar = ctx.io.stderrIsTTY && !ctx.opts.quiet;
  let bar: import('cli-progress').SingleBar | undefined;
  if (showBar) {
    const { default: progress } = await import('cli-progress');
    bar = new progress.SingleBar(
      {
        format: `${current.type} [{bar}] {percentage}% {value}/{total} ✓{ok} ✗{failed}`,
        stream: ctx.io.stderr as NodeJS.WriteStream,
        hideCursor: true,
        clearOnComplete: true,
      },
      progress.Presets.shades_classic,
    );
    bar.start(current.total, 0, { ok: 0, failed: 0 });
  }
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  try {
    while (!FINAL.has(current.state)) {
      if (interrupted) {
        bar?.stop();
        ctx.io.stdout.write(`${current.id}\n`);
        throw new CliError(ctx.t('change.interrupted', { id: current.id }), EXIT.interrupted);
      }
      // The backend answers at the first progress or the end (long poll), at the latest after a second.
      current = await client.call('operations.show', { params: { id: current.id }, query: { wait: 1 } });
      bar?.update(current.total - current.queued, {
        ok: current.succeeded + current.skipped,
        failed: current.failed,
      });
    }
    bar?.update(current.total, { ok: current.succeeded + current.skipped, failed: current.failed });
    bar?.stop();
    return current;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** The outcome: a summary on stderr, the failed numbers (or with --json all items) on stdout, exit 0/3/1. */
export async function reportOutcome(ctx: Context, client: VmClient, operations: Operation[]): Promise<void> {
  const t = ctx.t;
  const format = await ctx.format();
  const machine = format === 'json' || format === 'jsonl';
  async function* items(state?: string): AsyncGenerator<OperationItem> {
    for (const op of operations) {
      yield* client.paginate('operations.items', { ...(state ? { state } : {}) }, 1000, { id: op.id });
    }
  }
  for (const op of operations) {
    ctx.note(
      t('change.result', {
        id: op.id,
        state: op.state,
        succeeded: op.succeeded,
        skipped: op.skipped,
        failed: op.failed,
        cancelled: op.cancelled,
      }),
    );
  }
  const failed = operations.reduce((n, op) => n + op.failed, 0);
  if (machine) {
    await ctx.printRows(items(), itemColumns(ctx), false);
  } else if (failed > 0) {
    ctx.note(t('change.failedList'));
    await ctx.printRows(items('failed'), itemColumns(ctx), false);
  }
  if (operations.some((op) => op.state === 'cancelled')) process.exitCode = EXIT.error;
  else if (failed > 0) process.exitCode = EXIT.partial;
}

/** Columns of operation items (failed-number lists, `vm ops show --items`). */
export function itemColumns(ctx: Context): Column<OperationItem>[] {
  const t = ctx.t;
  return [
    { key: 'msisdn', header: t('col.msisdn') },
    { key: 'state', header: t('col.state') },
    { key: 'code', header: t('col.problem'), inTable: false },
    { key: 'reason', header: t('col.reason'), get: (i) => itemReason(ctx, i.code, i.detail) },
    { key: 'detail', header: t('col.description'), inTable: false },
    { key: 'before', header: t('col.now'), get: (i) => describeFields(i.before), inTable: false },
    { key: 'after', header: t('col.after'), get: (i) => describeFields(i.after), inTable: false },
    { key: 'seq', header: '#', kind: 'number', inTable: false },
  ];
}
