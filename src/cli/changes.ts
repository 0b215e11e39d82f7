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
import { formatMoneyPlain } from '../domain/money.js';
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
  const batches = await targetBatches(ctx, req, flags);
  const count = batches.count;
  const client = await ctx.client();
  if (flags.dryRun) {
    await printPlans(ctx, client, req, batches);
    return;
  }
  const needsConfirm = req.alwaysConfirm || count > 1;
  const question = async () => {
    const plans: Plan[] = [];
    for await (const b of batches.each()) plans.push(summaryOf(await plan(client, b)));
    const sum = sumPlans(plans);
    const { formatMoney } = await import('../domain/money.js');
    return t('change.confirm', {
      type: req.type,
      count,
      apply: sum.apply,
      skip: sum.skip,
      fail: sum.fail,
      delta: formatMoney(sum.monthlyDelta, ctx.lang),
      fees: formatMoney(sum.fees, ctx.lang),
    });
  };
  const refusal =
    count > 1 ? t('change.needsYes', { count, type: req.type }) : t('change.needsYesOne', { type: req.type });
  if (needsConfirm && !flags.yes && !(await ctx.confirm(question, refusal))) return;
  const key = flags.idempotencyKey ?? randomUUID();
  const operations: Operation[] = [];
  let i = 0;
  for await (const batch of batches.each()) {
    i++;
    const op = await client.call('operations.create', {
      body: batch.body,
      idempotencyKey: batches.single ? key : `${key}:${i}`,
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

/** The operations a change becomes, produced lazily (a million-line file is read, not held). */
interface Batches {
  count: number;
  single: boolean;
  each(): AsyncGenerator<Batch>;
}

/**
 * Reads the targets in two streaming passes: the first validates every row and counts (nothing is sent
 * if a row is bad), the second yields operations of at most MAX_TARGETS_PER_OPERATION numbers, one per
 * distinct per-row `at`. Memory stays flat: only a compact set of the numbers seen is kept.
 */
async function targetBatches(ctx: Context, req: ChangeRequest, flags: ChangeFlags): Promise<Batches> {
  const t = ctx.t;
  const scheduledAt = flags.at ? parseWhen(flags.at, new Date(), t) : undefined;
  if (scheduledAt) warnIfPast(ctx, scheduledAt);
  const filter = req.noFilters ? undefined : filterOf(flags);
  const base = { type: req.type, params: req.params, ...(scheduledAt ? { scheduledAt } : {}) };
  if (req.type === 'sim.order') return one({ body: base, count: Number(req.params.count) });
  const files = await spoolStdin(ctx, flags.file ?? []);
  if (req.numbers.length === 0 && files.length === 0) {
    if (!filter) throw new UsageError(t('change.noTargets'));
    return one({ body: { ...base, filter }, count: await countFilter(ctx, filter) });
  }
  const input = await import('./input/number-list.js');
  const { MsisdnSet } = await import('./input/msisdn-set.js');
  const { MAX_TARGETS_PER_OPERATION } = await import('../api/operations.js');
  const opts = { column: flags.column, skipInvalid: flags.skipInvalid, paramColumns: req.paramColumns ?? [] };
  const filterNumbers: import('../domain/msisdn.js').Msisdn[] = [];
  if (filter) {
    const client = await ctx.client();
    const { all: _all, ...query } = filter;
    for await (const n of client.paginate('numbers.list', query)) {
      filterNumbers.push(n.msisdn as import('../domain/msisdn.js').Msisdn);
    }
  }
  async function* rows(sink: {
    errors: import('./input/number-list.js').RowError[];
    errorCount: number;
    duplicates: number;
  }) {
    const seen = new MsisdnSet();
    const positional = await input.readTargets(req.numbers, [], { ...opts, skipInvalid: true }, ctx.io.stdin);
    sink.errors.push(...positional.errors);
    sink.errorCount += positional.errorCount;
    const sources: AsyncIterable<import('./input/number-list.js').TargetRow>[] = [
      (async function* () {
        yield* positional.rows;
      })(),
      ...files.map((f) => input.streamTargets(f, opts, ctx.io.stdin, sink)),
    ];
    const check = (row: import('./input/number-list.js').TargetRow) => {
      if (!req.checkRow) return row;
      const checked = req.checkRow(row.params);
      if ('params' in checked) return { ...row, params: checked.params };
      sink.errors.push({ source: row.source, line: row.line, value: row.msisdn, reason: checked.error });
      sink.errorCount++;
      return undefined;
    };
    for (const source of sources) {
      for await (const raw of source) {
        const row = check(raw);
        if (!row) continue;
        if (seen.add(row.msisdn)) yield row;
        else sink.duplicates++;
      }
    }
    for (const msisdn of filterNumbers) {
      if (seen.add(msisdn)) yield { msisdn, params: {} as Record<string, string> };
    }
  }
  // Pass 1: validate everything, count, report; nothing is sent when a row is bad.
  const sink = { errors: [] as import('./input/number-list.js').RowError[], errorCount: 0, duplicates: 0 };
  let count = 0;
  for await (const _ of rows(sink)) count++;
  if (sink.errorCount > 0) {
    const listing = input.formatRowErrors(sink.errors, sink.errorCount);
    if (!flags.skipInvalid) {
      throw new input.TargetsInputError(
        `${t('change.invalidRows', { count: sink.errorCount })}\n${listing}`,
        sink.errors,
        sink.errorCount,
      );
    }
    ctx.io.stderr.write(`${listing}\n`);
    ctx.note(t('change.skippedInvalid', { count: sink.errorCount }));
  }
  if (sink.duplicates) ctx.note(t('change.duplicates', { count: sink.duplicates }));
  if (count === 0) throw new UsageError(t('change.noTargets'));
  const batchOf = (when: string | undefined, list: Target[]): Batch => ({
    body: { type: req.type, params: req.params, targets: list, ...(when ? { scheduledAt: when } : {}) },
    count: list.length,
  });
  return {
    count,
    single: count <= MAX_TARGETS_PER_OPERATION,
    // Pass 2: the same rows again, cut into operations as they stream by.
    async *each() {
      const pending = new Map<string | undefined, Target[]>();
      const warned = new Set<string>();
      for await (const row of rows({ errors: [], errorCount: 0, duplicates: 0 })) {
        const { at, ...params } = row.params;
        const when = at ? parseWhen(at, new Date(), t) : scheduledAt;
        if (at && when && !warned.has(when)) {
          warned.add(when);
          warnIfPast(ctx, when);
        }
        const target: Target = { msisdn: row.msisdn, ...(Object.keys(params).length ? { params } : {}) };
        let list = pending.get(when);
        if (!list) pending.set(when, (list = []));
        list.push(target);
        if (list.length >= MAX_TARGETS_PER_OPERATION) {
          pending.delete(when);
          yield batchOf(when, list);
        }
      }
      for (const [when, list] of pending) yield batchOf(when, list);
    },
  };
}

/** A schedule already in the past by this machine's clock runs at once; say so rather than surprise. */
function warnIfPast(ctx: Context, when: string): void {
  if (Date.parse(when) < Date.now()) ctx.note(ctx.t('change.timePast', { value: when }));
}

function one(batch: Batch): Batches {
  return {
    count: batch.count,
    single: true,
    async *each() {
      yield batch;
    },
  };
}

/** stdin can be read once; the two passes need it twice, so `-` is copied to a private temp file first. */
async function spoolStdin(ctx: Context, files: string[]): Promise<string[]> {
  if (!files.includes('-')) return files;
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { pipeline } = await import('node:stream/promises');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-stdin-'));
  const copy = path.join(dir, 'stdin');
  await pipeline(ctx.io.stdin, fs.createWriteStream(copy, { mode: 0o600 }));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return files.map((f) => (f === '-' ? copy : f));
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

/** A plan without its items, to keep totals of many batches without holding every item. */
function summaryOf(p: Plan): Plan {
  return { ...p, items: [] };
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
async function printPlans(
  ctx: Context,
  client: VmClient,
  req: ChangeRequest,
  batches: Batches,
): Promise<void> {
  const t = ctx.t;
  const format = await ctx.format();
  const plans: Plan[] = [];
  if (format === 'json') {
    // One JSON object however many operations the input becomes; items stream out, totals close it.
    const out = ctx.io.stdout;
    out.write(`{"type":${JSON.stringify(req.type)},"params":${JSON.stringify(req.params)},"items":[`);
    let first = true;
    for await (const b of batches.each()) {
      const p = await plan(client, b);
      plans.push(summaryOf(p));
      for (const item of p.items) {
        out.write(`${first ? '\n' : ',\n'}${JSON.stringify(item)}`);
        first = false;
      }
    }
    const sum = sumPlans(plans);
    out.write(
      `\n],"total":${batches.count},"apply":${sum.apply},"skip":${sum.skip},"fail":${sum.fail},"monthlyDelta":${sum.monthlyDelta},"fees":${sum.fees}}\n`,
    );
  } else {
    async function* items(): AsyncGenerator<PlanItem> {
      for await (const b of batches.each()) {
        const p = await plan(client, b);
        plans.push(summaryOf(p));
        yield* p.items;
      }
    }
    await ctx.printRows(items(), planColumns(ctx), false);
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
          : typeof v === 'object'
            ? describeObject(k, v as Record<string, unknown>)
            : k === 'status' || k === 'tariff' || k === 'msisdn' || k === 'iccid' || k === 'groupId'
              ? String(v)
              : `${k}=${String(v)}`,
    )
    .join(' ');
}

/** A limit as `limit=2000.00/block`; any other object as its values. */
function describeObject(key: string, v: Record<string, unknown>): string {
  if (key === 'limit' && typeof v.monthly === 'number')
    return `limit=${formatMoneyPlain(v.monthly)}/${String(v.action)}`;
  return `${key}=${Object.values(v).map(String).join('/')}`;
}

/** The reason of an item code in the user's language, with the backend's detail. */
export function itemReason(ctx: Context, code: string | null, detail: string | null): string {
  if (!code) return '';
  const key = `item.${code}` as MessageKey;
  const text = ctx.t(key);
  const reason = text === key ? code : text;
  return detail ? `${reason} (${detail})` : reason;
}

function planColumns(ctx: Context): Column<PlanItem>[] {
  const t = ctx.t;
  return [
    { key: 'msisdn', header: t('col.msisdn') },
    { key: 'outcome', header: t('col.outcome') },
    { key: 'before', header: t('col.now'), get: (i) => describeFields(i.before), freeText: true },
    { key: 'after', header: t('col.after'), get: (i) => describeFields(i.after), freeText: true },
    { key: 'monthlyDelta', header: t('col.delta'), kind: 'money' },
    { key: 'fee', header: t('col.fee'), kind: 'money' },
    { key: 'code', header: t('col.problem'), inTable: false },
    { key: 'reason', header: t('col.reason'), get: (i) => itemReason(ctx, i.code, i.detail), freeText: true },
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
  if (operations.some((op) => op.state === 'cancelled')) ctx.setExitCode(EXIT.error);
  else if (failed > 0) ctx.setExitCode(EXIT.partial);
}

/** Columns of operation items (failed-number lists, `vm ops show --items`). */
export function itemColumns(ctx: Context): Column<OperationItem>[] {
  const t = ctx.t;
  return [
    { key: 'msisdn', header: t('col.msisdn') },
    { key: 'state', header: t('col.state') },
    { key: 'code', header: t('col.problem'), inTable: false },
    { key: 'reason', header: t('col.reason'), get: (i) => itemReason(ctx, i.code, i.detail), freeText: true },
    { key: 'detail', header: t('col.description'), inTable: false, freeText: true },
    {
      key: 'before',
      header: t('col.now'),
      get: (i) => describeFields(i.before),
      inTable: false,
      freeText: true,
    },
    {
      key: 'after',
      header: t('col.after'),
      get: (i) => describeFields(i.after),
      inTable: false,
      freeText: true,
    },
    { key: 'seq', header: '#', kind: 'number', inTable: false },
  ];
}
