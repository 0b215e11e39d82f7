import type { OperationCreateBody, Target, TargetFilter } from '../../api/operations.js';
import type { Msisdn } from '../../domain/msisdn.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import type { RowError, TargetRow } from '../input/number-list.js';
import { parseWhen } from '../when.js';
import type { ChangeFlags, ChangeRequest } from './options.js';

/** One operation of a change: its body and how many numbers it names. */
export interface Batch {
  body: OperationCreateBody;
  count: number;
}

/** The operations a change becomes, produced lazily (a million-line file is read, not held). */
export interface Batches {
  count: number;
  /** One operation only: it takes the idempotency key as it is, not `key:i`. */
  single: boolean;
  each(): AsyncGenerator<Batch>;
}

interface RowSink {
  errors: RowError[];
  errorCount: number;
  duplicates: number;
}

/**
 * Reads the targets in two streaming passes: the first validates every row and counts (nothing is sent
 * if a row is bad), the second yields operations of at most MAX_TARGETS_PER_OPERATION numbers, one per
 * distinct per-row `at`. Memory stays flat: only a compact set of the numbers seen is kept.
 */
export async function targetBatches(ctx: Context, req: ChangeRequest, flags: ChangeFlags): Promise<Batches> {
  const t = ctx.t;
  const scheduledAt = flags.at ? parseWhen(flags.at, await ctx.nowFor(flags.at), t) : undefined;
  if (scheduledAt) warnIfPast(ctx, scheduledAt);
  const filter = req.noFilters ? undefined : filterOf(flags);
  // The request's type and parameters match (ChangeRequest<T>), but TypeScript cannot follow that
  // correlation into the union of eleven body shapes; the backend validates the body against the schema.
  const base = {
    type: req.type,
    params: req.params,
    ...(scheduledAt ? { scheduledAt } : {}),
  } as OperationCreateBody;
  if (base.type === 'sim.order') return one({ body: base, count: base.params.count });
  const files = await spoolStdin(ctx, flags.file ?? []);
  if (req.numbers.length === 0 && files.length === 0) {
    if (!filter) throw new UsageError(t('change.noTargets'));
    return one({ body: { ...base, filter }, count: await countFilter(ctx, filter) });
  }
  const input = await import('../input/number-list.js');
  const { MsisdnSet } = await import('../input/msisdn-set.js');
  // Loaded here, not at the top: the contract module brings TypeBox, which `vm --help` must not pay for.
  const { MAX_TARGETS_PER_OPERATION } = await import('../../api/operations.js');
  const opts = { column: flags.column, skipInvalid: flags.skipInvalid, paramColumns: req.paramColumns ?? [] };
  const filterNumbers: Msisdn[] = [];
  if (filter) {
    const client = await ctx.client();
    const { all: _all, ...query } = filter;
    for await (const n of client.paginate('numbers.list', query)) filterNumbers.push(n.msisdn as Msisdn);
  }
  async function* rows(sink: RowSink) {
    const seen = new MsisdnSet();
    const positional = await input.readTargets(req.numbers, [], { ...opts, skipInvalid: true }, ctx.io.stdin);
    sink.errors.push(...positional.errors);
    sink.errorCount += positional.errorCount;
    const sources: AsyncIterable<TargetRow>[] = [
      (async function* () {
        yield* positional.rows;
      })(),
      ...files.map((f) => input.streamTargets(f, opts, ctx.io.stdin, sink)),
    ];
    const check = (row: TargetRow) => {
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
  const sink: RowSink = { errors: [], errorCount: 0, duplicates: 0 };
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
    body: { ...base, targets: list, ...(when ? { scheduledAt: when } : {}) } as OperationCreateBody,
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
        const when = at ? parseWhen(at, await ctx.nowFor(at), t) : scheduledAt;
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

/** A schedule already past (Context.clockNow) runs at once; say so rather than surprise. */
function warnIfPast(ctx: Context, when: string): void {
  if (Date.parse(when) < ctx.clockNow.getTime()) ctx.note(ctx.t('change.timePast', { value: when }));
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
