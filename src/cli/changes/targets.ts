import type { OperationCreateBody, Target, TargetFilter } from '../../api/operations.js';
import type { Msisdn } from '../../domain/msisdn.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import type { RowError, TargetRow } from '../input/number-list.js';
import { CodeChecker } from './codes.js';
import { parseWhen } from '../when.js';
import type { ChangeFlags, ChangeRequest } from './options.js';

/** One operation of a change: its body and how many numbers it names. */
export interface Batch {
  body: OperationCreateBody;
  count: number;
  /**
   * The rollback of this operation: the backend makes its body from the operation's items, so `body`
   * holds only its type and own values (from the backend's plan), and the plan is the backend's too.
   */
  rollbackOf?: string;
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
}

/** The per-row values of a row that has none (every such row shares it). */
const NONE: Record<string, string> = Object.freeze({});

/**
 * Reads the targets in two streaming passes: the first validates every row (its number, its per-row
 * values, catalog codes against the backend's catalog), tells repeated numbers from conflicting ones
 * and counts (nothing is sent if a row is bad); the second yields operations of at most
 * MAX_TARGETS_PER_OPERATION numbers, one per distinct per-row `at`, with each number's first row. Memory
 * stays flat: only a compact table of the numbers seen is kept (RepeatCheck).
 */
export async function targetBatches(ctx: Context, req: ChangeRequest, flags: ChangeFlags): Promise<Batches> {
  const t = ctx.t;
  // Relative times count from one instant of the backend's clock (ctx.nowFor), in both passes.
  const scheduledAt = flags.at ? parseWhen(flags.at, await ctx.nowFor(flags.at), t) : undefined;
  if (scheduledAt) warnIfPast(ctx, scheduledAt);
  const filter = req.noFilters ? undefined : filterOf(flags);
  const params: Record<string, unknown> = { ...req.params };
  const codes = req.code ? new CodeChecker(ctx, req.code) : undefined;
  const ownCode = codes && params[codes.param];
  if (codes && typeof ownCode === 'string') params[codes.param] = await codes.own(ownCode);
  // The request's type and parameters match (ChangeRequest<T>), but TypeScript cannot follow that
  // correlation into the union of eleven body shapes; the backend validates the body against the schema.
  const base = {
    type: req.type,
    params,
    ...(scheduledAt ? { scheduledAt } : {}),
  } as OperationCreateBody;
  if (base.type === 'sim.order') return one({ body: base, count: base.params.count });
  const files = await spoolStdin(ctx, flags.file ?? []);
  if (req.numbers.length === 0 && files.length === 0) {
    if (!filter) throw new UsageError(t('change.noTargets'));
    return one({ body: { ...base, filter }, count: await countFilter(ctx, filter) });
  }
  const input = await import('../input/number-list.js');
  const { checkNumber } = await import('../input/file-rows.js');
  const { MAX_STORED_ERRORS } = await import('../input/input-error.js');
  const { RepeatCheck } = await import('../input/repeats.js');
  // Loaded here, not at the top: the contract module brings TypeBox, which `vm --help` must not pay for.
  const { MAX_TARGETS_PER_OPERATION } = await import('../../api/operations.js');
  const opts = {
    column: flags.column,
    skipInvalid: flags.skipInvalid,
    paramColumns: req.paramColumns ?? [],
    t,
  };
  const filterNumbers: Msisdn[] = [];
  if (filter) {
    const client = await ctx.client();
    const { all: _all, ...query } = filter;
    for await (const n of client.paginate('numbers.list', query)) filterNumbers.push(n.msisdn as Msisdn);
  }
  const reject = (sink: RowSink, error: RowError) => {
    sink.errorCount++;
    if (sink.errors.length < MAX_STORED_ERRORS) sink.errors.push(error);
  };
  /**
   * A row with its per-row values checked and normalized (a time in ISO form, a code as the catalog
   * spells it), or undefined (its error is in the sink).
   */
  const validRow = async (raw: TargetRow, sink: RowSink): Promise<TargetRow | undefined> => {
    let row = raw;
    const at = row.params.at;
    if (at !== undefined) {
      try {
        row = { ...row, params: { ...row.params, at: parseWhen(at, await ctx.nowFor(at), t) } };
      } catch (err) {
        if ((err as Error).name !== 'UsageError') throw err;
        reject(sink, { source: row.source, line: row.line, value: at, reason: (err as Error).message });
        return undefined;
      }
    }
    if (req.checkRow) {
      const checked = req.checkRow(row.params);
      if ('error' in checked) {
        reject(sink, { source: row.source, line: row.line, value: row.msisdn, reason: checked.error });
        return undefined;
      }
      row = { ...row, params: checked.params };
    }
    const code = codes && row.params[codes.param];
    if (codes && code !== undefined) {
      const checked = await codes.check(code);
      if ('error' in checked) {
        reject(sink, { source: row.source, line: row.line, value: code, reason: checked.error });
        return undefined;
      }
      row = { ...row, params: { ...row.params, [codes.param]: checked.code } };
    }
    return row;
  };
  /** Every valid row of every source (positional numbers, then each file) with its source's index. */
  async function* rows(sink: RowSink): AsyncGenerator<{ row: TargetRow; source: number }> {
    const sources: AsyncIterable<TargetRow>[] = [
      (async function* () {
        for (const [i, text] of req.numbers.entries()) {
          const event = checkNumber(text, 'argv', i + 1, NONE, t);
          if (event.error) reject(sink, event.error);
          else yield event.row;
        }
      })(),
      ...files.map((f) => input.streamTargets(f.path, opts, ctx.io.stdin, sink, f.name)),
    ];
    for (const [source, list] of sources.entries()) {
      for await (const raw of list) {
        const needsCheck = req.checkRow || codes || raw.params.at !== undefined;
        const row = needsCheck ? await validRow(raw, sink) : raw;
        if (row) yield { row, source };
      }
    }
  }
  // A row's values that differ from the command's own: two rows of a number conflict only over those.
  const own: Record<string, unknown> = { ...params, ...(scheduledAt ? { at: scheduledAt } : {}) };
  const asked = (values: Record<string, string>): Record<string, string> => {
    let out: Record<string, string> | undefined;
    for (const [name, value] of Object.entries(values))
      if (own[name] === undefined || String(own[name]) !== value) (out ??= {})[name] = value;
    return out ?? NONE;
  };
  // Pass 1: validate everything, count, report; nothing is sent when a row is bad.
  const filterSource = files.length + 1;
  const repeats = new RepeatCheck(['argv', ...files.map((f) => f.name), 'filter']);
  const sink: RowSink = { errors: [], errorCount: 0 };
  let count = 0;
  for await (const { row, source } of rows(sink)) {
    const values = asked(row.params);
    const kind = repeats.take(row, source, values);
    if (kind.kind === 'first') count++;
    else if (kind.kind === 'conflict') {
      const here = Object.entries(values).map(([name, value]) => `${name} ${value}`);
      reject(sink, {
        source: row.source,
        line: row.line,
        value: row.msisdn,
        reason: t('change.conflict', {
          msisdn: row.msisdn,
          first: kind.first,
          values: here.length ? here.join(', ') : t('change.ownValues'),
        }),
      });
    }
  }
  filterNumbers.forEach((msisdn, i) => {
    if (repeats.takeSelected(msisdn, filterSource, i + 1)) count++;
  });
  // Neither row of a number given with conflicting values is sent (with --skip-invalid).
  count -= repeats.conflicted;
  if (sink.errorCount > 0) {
    const listing = input.formatRowErrors(sink.errors, sink.errorCount, t);
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
  const sentOnce = repeats.exact();
  if (sentOnce.count) {
    const and = ` ${t('word.and')} `;
    const groups = sentOnce.shown.map((places) =>
      places.length > 1 ? `${places.slice(0, -1).join(', ')}${and}${places.at(-1)}` : places.join(''),
    );
    const more = sentOnce.count > groups.length ? '; …' : '';
    const list = `${groups.join('; ')}${more}`;
    ctx.note(
      sentOnce.count === 1
        ? t('change.duplicatesOne', { list })
        : t('change.duplicates', { count: sentOnce.count, list }),
    );
  }
  if (count === 0) throw new UsageError(t('change.noTargets'));
  const batchOf = (when: string | undefined, list: Target[]): Batch => ({
    body: { ...base, targets: list, ...(when ? { scheduledAt: when } : {}) } as OperationCreateBody,
    count: list.length,
  });
  return {
    count,
    single: count <= MAX_TARGETS_PER_OPERATION,
    // Pass 2: the same rows again, each number's first row cut into operations as they stream by.
    async *each() {
      const pending = new Map<string | undefined, Target[]>();
      const warned = new Set<string>();
      const add = function* (when: string | undefined, target: Target): Generator<Batch> {
        let list = pending.get(when);
        if (!list) pending.set(when, (list = []));
        list.push(target);
        if (list.length >= MAX_TARGETS_PER_OPERATION) {
          pending.delete(when);
          yield batchOf(when, list);
        }
      };
      for await (const { row, source } of rows({ errors: [], errorCount: 0 })) {
        if (!repeats.sends(row.msisdn, source, row.line)) continue;
        const { at, ...values } = row.params;
        const when = at ?? scheduledAt;
        if (at && when && !warned.has(when)) {
          warned.add(when);
          warnIfPast(ctx, when);
        }
        yield* add(when, { msisdn: row.msisdn, ...(Object.keys(values).length ? { params: values } : {}) });
      }
      for (const [i, msisdn] of filterNumbers.entries())
        if (repeats.sends(msisdn, filterSource, i + 1)) yield* add(scheduledAt, { msisdn });
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

/**
 * The files to read, with the names messages give them. stdin can be read once; the two passes need it
 * twice, so `-` is copied to a private temp file first (still called `stdin`).
 */
async function spoolStdin(ctx: Context, files: string[]): Promise<{ path: string; name: string }[]> {
  if (!files.includes('-')) return files.map((f) => ({ path: f, name: f }));
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { pipeline } = await import('node:stream/promises');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-stdin-'));
  const copy = path.join(dir, 'stdin');
  await pipeline(ctx.io.stdin, fs.createWriteStream(copy, { mode: 0o600 }));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return files.map((f) => (f === '-' ? { path: copy, name: 'stdin' } : { path: f, name: f }));
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
