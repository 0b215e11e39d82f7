import type { CdrField } from '../../domain/cdr.js';
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { DetailRequest } from '../../api/billing.js';
import type { Context } from '../context.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { limitOption, take, withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';
import { parsePeriod } from '../period.js';

interface DetailFlags {
  from?: string;
  to?: string;
  period?: string;
  file?: string[];
  column?: string;
  group?: string;
  all?: boolean;
  output?: string;
  wait?: boolean;
}

/** Records a terminal table shows; more is a job for --csv or --output. */
const TABLE_ROWS = 1000;

/**
 * vm detail: call detail records streamed from the backend straight to stdout or a file (CSV, TSV, JSON
 * lines pass through untouched; JSON and the table are made as the records arrive). `--all` is a
 * background detail request: submitted, waited for with progress, then downloaded; `vm detail get ID`
 * downloads one later.
 */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const detail = program
    .command('detail [numbers...]')
    .description(t('cmd.detail'))
    .option('--period <month>', t('opt.detailPeriod'))
    .option('--from <day>', t('opt.detailFrom'))
    .option('--to <day>', t('opt.detailTo'))
    .option('--file <path...>', t('opt.file'))
    .option('--column <name>', t('opt.column'))
    .option('--group <group>', t('opt.detailGroup'))
    .option('--all', t('opt.detailAll'))
    .option('--output <file>', t('opt.outputFile'))
    .option('--no-wait', t('opt.detailNoWait'));
  withExamples(detail, t, [
    'vm detail +79161234567 --period 2026-10',
    'vm detail +79161234567 --from 2026-10-01 --to 2026-10-15 --csv > calls.csv',
    'vm detail --file numbers.csv --period 2026-10 --excel --output detail.csv',
    'vm detail --group drivers --jsonl | jq .cost',
    'vm detail --all --period 2026-10 --csv --output all.csv',
    'vm detail --all --period 2026-10 --no-wait',
  ]).action(async (numbers: string[], _o, cmd: Command) => {
    const flags = ctx.use<DetailFlags>(cmd);
    const range = parsePeriod(flags, t);
    const kinds = [
      numbers.length + (flags.file?.length ?? 0) > 0,
      flags.group !== undefined,
      flags.all === true,
    ];
    if (kinds.filter(Boolean).length !== 1) throw new UsageError(t('err.detailTargets'));
    if (flags.output) await checkOutputFile(ctx, flags.output);
    const client = await ctx.client();
    const output = await outputOf(ctx, flags.output);
    if (flags.all || flags.wait === false) {
      const targets = flags.all
        ? { all: true }
        : flags.group !== undefined
          ? { group: flags.group }
          : { numbers: await readNumbers(ctx, numbers, flags) };
      let request = await client.call('detailRequests.create', {
        body: { ...targets, ...range },
        idempotencyKey: randomUUID(),
      });
      ctx.note(t('msg.detailRequested', { id: request.id, count: request.total }));
      if (flags.wait === false) {
        ctx.io.stdout.write(`${request.id}\n`);
        ctx.note(t('msg.detailGetLater', { id: request.id }));
        return;
      }
      request = await waitForRequest(ctx, request);
      await download(
        ctx,
        client.stream('detailRequests.file', {
          params: { id: request.id },
          query: {
            format: output.server,
            excel: output.excel || undefined,
            rawCsv: output.rawCsv || undefined,
            fields: output.fields?.join(','),
          },
        }),
        output,
        flags.output,
        request.records,
      );
      return;
    }
    const targets =
      flags.group !== undefined
        ? { group: flags.group }
        : { numbers: await readNumbers(ctx, numbers, flags) };
    await download(
      ctx,
      client.stream('cdr.query', {
        body: {
          ...targets,
          ...range,
          format: output.server,
          ...(output.excel ? { excel: true } : {}),
          ...(output.rawCsv ? { rawCsv: true } : {}),
          ...(output.fields ? { fields: output.fields } : {}),
        },
      }),
      output,
      flags.output,
      undefined,
    );
  });

  withExamples(
    detail
      .command('get <id>')
      .description(t('cmd.detail.get'))
      .option('--output <file>', t('opt.outputFile'))
      .option('--no-wait', t('opt.detailGetNoWait')),
    t,
    [
      'vm detail get dr_1a2b3c4d5e6f7a8b --csv --output october.csv',
      'vm detail get dr_1a2b3c4d5e6f7a8b --no-wait --json',
    ],
  ).action(async (id: string, _o, cmd: Command) => {
    const flags = ctx.use<{ output?: string; wait?: boolean }>(cmd);
    if (flags.output) await checkOutputFile(ctx, flags.output);
    const client = await ctx.client();
    let request = await client.call('detailRequests.show', { params: { id } });
    if (flags.wait === false) {
      await ctx.printObject(request, requestColumns(ctx));
      return;
    }
    request = await waitForRequest(ctx, request);
    const output = await outputOf(ctx, flags.output);
    await download(
      ctx,
      client.stream('detailRequests.file', {
        params: { id },
        query: {
          format: output.server,
          excel: output.excel || undefined,
          rawCsv: output.rawCsv || undefined,
          fields: output.fields?.join(','),
        },
      }),
      output,
      flags.output,
      request.records,
    );
  });

  withExamples(
    detail.command('requests').description(t('cmd.detail.requests')).addOption(limitOption(ctx)),
    t,
    ['vm detail requests', 'vm detail requests --json'],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ limit?: number }>(cmd);
    await ctx.printRows(
      take((await ctx.client()).paginate('detailRequests.list'), o.limit),
      requestColumns(ctx),
    );
  });
}

/** Refuses an --output that cannot be written (a directory, a missing or read-only folder) before asking anything. */
async function checkOutputFile(ctx: Context, file: string): Promise<void> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const target = path.resolve(file);
  if (file.endsWith('/') || fs.statSync(target, { throwIfNoEntry: false })?.isDirectory())
    throw new CliError(ctx.t('err.outputIsDir', { file }), EXIT.usage);
  const dir = path.dirname(target);
  try {
    if (!fs.statSync(dir).isDirectory()) throw new Error('not a directory');
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new CliError(ctx.t('err.outputDir', { file, dir }), EXIT.usage);
  }
}

/** Numbers from arguments and files, validated completely before anything is sent. */
async function readNumbers(ctx: Context, numbers: string[], f: DetailFlags): Promise<string[]> {
  const { readTargets } = await import('../input/number-list.js');
  const result = await readTargets(numbers, f.file ?? [], { column: f.column }, ctx.io.stdin);
  return result.rows.map((r) => r.msisdn);
}

interface OutputChoice {
  /** What the command prints. */
  format: 'table' | 'json' | 'jsonl' | 'csv' | 'tsv';
  /** What the backend is asked for (JSON and the table are made from JSON lines). */
  server: 'jsonl' | 'csv' | 'tsv';
  excel: boolean;
  /** --raw-csv: free text without the `'` that keeps a spreadsheet from running it. */
  rawCsv: boolean;
  fields?: CdrField[];
}

/** The format asked for; a table is for a terminal, so a file without one is chosen by its extension (CSV by default). */
async function outputOf(ctx: Context, file?: string): Promise<OutputChoice> {
  let format = await ctx.format();
  if (file && (format === 'table' || (format === 'tsv' && !ctx.opts.format))) {
    const ext = file.toLowerCase().split('.').pop() ?? '';
    format =
      ext === 'tsv' ? 'tsv' : ext === 'jsonl' || ext === 'ndjson' ? 'jsonl' : ext === 'json' ? 'json' : 'csv';
  }
  const { CDR_FIELDS } = await import('../../domain/cdr.js');
  const { UnknownFieldError, parseFieldList } = await import('../output/format.js');
  let fields: CdrField[] | undefined;
  if (ctx.opts.fields) {
    fields = parseFieldList(ctx.opts.fields).map((field) => {
      const known = CDR_FIELDS.find((f) => f === field);
      if (!known) throw new UnknownFieldError(field, [...CDR_FIELDS]);
      return known;
    });
  }
  const server = format === 'csv' || format === 'tsv' ? format : 'jsonl';
  return {
    format,
    server,
    excel: format === 'csv' && ctx.opts.excel === true,
    rawCsv: format === 'csv' && ctx.opts.rawCsv === true,
    fields,
  };
}

/** Waits for a detail request to be prepared, with a progress bar on a terminal; Ctrl-C leaves it running. */
async function waitForRequest(ctx: Context, request: DetailRequest): Promise<DetailRequest> {
  const client = await ctx.client();
  let current = request;
  let bar: import('cli-progress').SingleBar | undefined;
  if (ctx.io.stderrIsTTY && !ctx.opts.quiet && current.state !== 'done') {
    const { default: progress } = await import('cli-progress');
    bar = new progress.SingleBar(
      {
        format: `${ctx.t('msg.detailPreparing')} [{bar}] {value}/{total}`,
        stream: ctx.io.stderr as NodeJS.WriteStream,
        clearOnComplete: true,
      },
      progress.Presets.shades_classic,
    );
    bar.start(current.total, current.done);
  }
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  try {
    while (current.state !== 'done') {
      if (interrupted) {
        bar?.stop();
        ctx.io.stdout.write(`${current.id}\n`);
        throw new CliError(ctx.t('msg.detailInterrupted', { id: current.id }), EXIT.interrupted);
      }
      await new Promise((r) => setTimeout(r, 100));
      current = await client.call('detailRequests.show', { params: { id: current.id } });
      bar?.update(current.done);
    }
    bar?.stop();
    return current;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/**
 * Copies a record stream to stdout or to `--output FILE` (written to a temp file beside it and renamed
 * only when complete, so a broken download never leaves half a file under the real name).
 */
async function download(
  ctx: Context,
  opening: Promise<NodeJS.ReadableStream>,
  out: OutputChoice,
  file: string | undefined,
  total: number | undefined,
): Promise<void> {
  const body = await opening;
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { pipeline } = await import('node:stream/promises');
  const { Transform, Writable } = await import('node:stream');
  const { StringDecoder } = await import('node:string_decoder');
  let records = 0;
  let bar: import('cli-progress').SingleBar | undefined;
  if (file && ctx.io.stderrIsTTY && !ctx.opts.quiet) {
    const { default: progress } = await import('cli-progress');
    bar = new progress.SingleBar(
      {
        format: total ? '{file} [{bar}] {value}/{total}' : '{file} {value}',
        stream: ctx.io.stderr as NodeJS.WriteStream,
        clearOnComplete: true,
      },
      progress.Presets.shades_classic,
    );
    bar.start(total ?? 0, 0, { file: path.basename(file) });
  }
  const table: Record<string, unknown>[] = [];
  let cut = false;
  let pending = '';
  // A Cyrillic letter may be split between two chunks: decode as a stream, never chunk by chunk.
  const decoder = new StringDecoder('utf8');
  let first = true;
  const headerLines = out.format === 'csv' || out.format === 'tsv' ? 1 : 0;
  let seenHeader = 0;
  const count = (chunk: Buffer) => {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
      if (seenHeader < headerLines) seenHeader++;
      else records++;
    }
    bar?.update(records);
  };
  // JSON lines become a JSON array or table rows; everything else passes through untouched.
  const convert = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (out.format !== 'json' && out.format !== 'table') {
        count(chunk);
        done(null, chunk);
        return;
      }
      pending += decoder.write(chunk);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      let piece = '';
      for (const line of lines) {
        if (!line) continue;
        records++;
        if (out.format === 'table') {
          if (table.length < TABLE_ROWS) table.push(JSON.parse(line) as Record<string, unknown>);
          else cut = true;
        } else {
          piece += `${first ? '[\n' : ',\n'}${line}`;
          first = false;
        }
      }
      bar?.update(records);
      done(null, piece);
    },
    flush(done) {
      if (out.format === 'json') done(null, first ? '[]\n' : '\n]\n');
      else done();
    },
  });
  if (file) {
    const target = path.resolve(file);
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
    try {
      await pipeline(body, convert, fs.createWriteStream(temp, { mode: 0o600 }));
      fs.renameSync(temp, target);
    } catch (err) {
      fs.rmSync(temp, { force: true });
      bar?.stop();
      throw err;
    }
    bar?.stop();
    ctx.note(ctx.t('msg.detailWritten', { count: records, file }));
    return;
  }
  const toStdout = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      if (out.format === 'table') {
        // A table is for reading: past TABLE_ROWS records stop downloading the rest.
        if (cut) (body as import('node:stream').Readable).destroy();
        return done();
      }
      if (ctx.io.stdout.write(chunk)) done();
      else ctx.io.stdout.once('drain', () => done());
    },
  });
  try {
    await pipeline(body, convert, toStdout);
  } catch (err) {
    if (!cut) throw err;
  }
  if (out.format === 'table') {
    await ctx.printRows(table, cdrColumns(ctx), false);
    if (cut) ctx.note(ctx.t('msg.detailTableCut', { count: TABLE_ROWS }));
  }
  if (records === 0 && !cut) ctx.note(ctx.t('msg.detailEmpty'));
}

function cdrColumns(ctx: Context): Column<Record<string, unknown>>[] {
  const t = ctx.t;
  return [
    { key: 'number', header: t('col.msisdn') },
    { key: 'time', header: t('col.time'), kind: 'time' },
    { key: 'kind', header: t('col.kind') },
    { key: 'direction', header: t('col.direction') },
    { key: 'peer', header: t('col.peer') },
    { key: 'peerName', header: t('col.peerName'), freeText: true },
    { key: 'location', header: t('col.location'), freeText: true },
    { key: 'seconds', header: t('col.seconds'), kind: 'number' },
    { key: 'bytes', header: t('col.bytes'), kind: 'number' },
    { key: 'cost', header: t('col.cost'), kind: 'money' },
  ];
}

function requestColumns(ctx: Context): Column<DetailRequest>[] {
  const t = ctx.t;
  return [
    { key: 'id', header: t('col.id') },
    { key: 'state', header: t('col.state') },
    { key: 'from', header: t('col.from') },
    { key: 'to', header: t('col.to') },
    { key: 'total', header: t('col.numbers'), kind: 'number' },
    { key: 'done', header: t('col.done'), kind: 'number' },
    { key: 'records', header: t('col.records'), kind: 'number' },
    { key: 'cost', header: t('col.cost'), kind: 'money' },
    { key: 'createdAt', header: t('col.created'), kind: 'time' },
  ];
}
