import type { CdrField } from '../../domain/cdr.js';
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { DetailRequest } from '../../api/billing.js';
import type { VmClient } from '../../client/client.js';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { limitOption, take, withExamples } from '../command-options.js';
import type { InterruptedError } from '../output/interrupt.js';
import type { RecordOutput } from '../output/record-stream.js';
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
/** How long to wait before looking at a detail request being prepared: first, and at most. */
const POLL_FIRST_MS = 25;
const POLL_MAX_MS = 200;

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
    'vm detail --group drivers --period 2026-10 --xlsx drivers.xlsx',
  ]).action(async (numbers: string[], _o, cmd: Command) => {
    const flags = ctx.use<DetailFlags>(cmd);
    const file = outputFile(ctx, flags.output);
    const range = parsePeriod(flags, t);
    const kinds = [
      numbers.length + (flags.file?.length ?? 0) > 0,
      flags.group !== undefined,
      flags.all === true,
    ];
    if (kinds.filter(Boolean).length !== 1) throw new UsageError(t('err.detailTargets'));
    if (flags.output) await checkOutputFile(ctx, flags.output);
    const client = await ctx.client();
    const output = await outputOf(ctx, file);
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
      await download(ctx, requestFile(client, request.id, output), output, file, request.records).catch(
        downloadLater(ctx, request.id),
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
      file,
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
      'vm detail get dr_1a2b3c4d5e6f7a8b --xlsx october.xlsx',
      'vm detail get dr_1a2b3c4d5e6f7a8b --no-wait --json',
    ],
  ).action(async (id: string, _o, cmd: Command) => {
    const flags = ctx.use<{ output?: string; wait?: boolean }>(cmd);
    const file = outputFile(ctx, flags.output);
    if (flags.output) await checkOutputFile(ctx, flags.output);
    const client = await ctx.client();
    let request = await client.call('detailRequests.show', { params: { id } });
    if (flags.wait === false) {
      await ctx.printObject(request, requestColumns(ctx));
      return;
    }
    request = await waitForRequest(ctx, request);
    const output = await outputOf(ctx, file);
    await download(ctx, requestFile(client, id, output), output, file, request.records).catch(
      downloadLater(ctx, id),
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

/** Numbers from arguments and files, validated completely before anything is sent. */
async function readNumbers(ctx: Context, numbers: string[], f: DetailFlags): Promise<string[]> {
  const { readTargets } = await import('../input/number-list.js');
  const result = await readTargets(numbers, f.file ?? [], { column: f.column, t: ctx.t }, ctx.io.stdin);
  return result.rows.map((r) => r.msisdn);
}

/** The prepared file of a detail request, in the chosen format. */
function requestFile(client: VmClient, id: string, output: RecordOutput): Promise<NodeJS.ReadableStream> {
  return client.stream('detailRequests.file', {
    params: { id },
    query: {
      format: output.server,
      excel: output.excel || undefined,
      rawCsv: output.rawCsv || undefined,
      fields: output.fields?.join(','),
    },
  });
}

/**
 * The file the records go to: --output FILE, or --xlsx FILE (a workbook; Context.use checked it). Both
 * name a file to write: a usage error.
 */
function outputFile(ctx: Context, output: string | undefined): string | undefined {
  const xlsx = ctx.opts.xlsx;
  if (output !== undefined && xlsx !== undefined)
    throw new UsageError(ctx.t('err.xlsxWithOutput', { file: xlsx, output }));
  return output ?? xlsx;
}

/** Refuses an --output that cannot be written before anything is asked of the backend. */
async function checkOutputFile(ctx: Context, file: string): Promise<void> {
  const { refuseUnwritableFile } = await import('../output/atomic-file.js');
  refuseUnwritableFile(file, ctx.t);
}

/** The format asked for (a file without a format flag goes by its extension), --fields checked. */
async function outputOf(ctx: Context, file?: string): Promise<RecordOutput<CdrField>> {
  const { CDR_FIELDS } = await import('../../domain/cdr.js');
  const { recordOutput } = await import('../output/record-stream.js');
  return recordOutput(ctx, file, CDR_FIELDS);
}

/** Waits for a detail request to be prepared, with a progress bar on a terminal; Ctrl-C leaves it running. */
async function waitForRequest(ctx: Context, request: DetailRequest): Promise<DetailRequest> {
  const client = await ctx.client();
  const { waitWithProgress } = await import('../output/progress.js');
  // The first look comes soon (a request whose records are stored takes a tenth of a second), then
  // less and less often, up to 5 a second (a fixed 100 ms made a short wait 50 ms longer on average).
  let pause = POLL_FIRST_MS;
  return waitWithProgress(ctx, request, {
    id: (r) => r.id,
    finished: (r) => r.state === 'done',
    poll: async (r) => {
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(POLL_MAX_MS, pause * 1.5);
      return client.call('detailRequests.show', { params: { id: r.id } });
    },
    bar: {
      format: `${ctx.t('msg.detailPreparing')} [{bar}] {value}/{total}`,
      total: (r) => r.total,
      value: (r) => r.done,
    },
    interrupted: (id) => ctx.t('msg.detailInterrupted', { id }),
  });
}

/**
 * A detail request's download to a file stopped by Ctrl-C or SIGTERM (the file is not written, nor its
 * temp left): the id on stdout and how to download it later, with the signal's exit code.
 */
function downloadLater(ctx: Context, id: string): (err: unknown) => never {
  return (err) => {
    if ((err as Error).name !== 'InterruptedError') throw err;
    const { file, exitCode } = err as InterruptedError;
    ctx.io.stdout.write(`${id}\n`);
    throw new CliError(ctx.t('msg.detailDownloadInterrupted', { id, file }), exitCode);
  };
}

/** Copies the records to stdout or `--output FILE` (a progress bar for a file), then says what came. */
async function download(
  ctx: Context,
  opening: Promise<NodeJS.ReadableStream>,
  out: RecordOutput,
  file: string | undefined,
  total: number | undefined,
): Promise<void> {
  const body = await opening;
  const { copyRecords } = await import('../output/record-stream.js');
  const { startProgressBar } = await import('../output/progress.js');
  const path = await import('node:path');
  const bar = file
    ? await startProgressBar(ctx, {
        format: total ? '{file} [{bar}] {value}/{total}' : '{file} {value}',
        total: total ?? 0,
        payload: { file: path.basename(file) },
      })
    : undefined;
  const copied = await copyRecords(body, out, {
    file,
    stdout: ctx.io.stdout,
    tableRows: TABLE_ROWS,
    onProgress: bar && ((records) => bar.update(records)),
    workbook: (records, stream) =>
      ctx.printRows(records, cdrColumns(ctx), false, { out: stream, format: 'xlsx', sheet: 'detail' }),
  }).finally(() => bar?.stop());
  if (out.format === 'xlsx') ctx.xlsxWritten = true;
  if (file) {
    ctx.note(ctx.t('msg.detailWritten', { count: copied.records, file }));
    return;
  }
  if (out.format === 'table') {
    await ctx.printRows(copied.rows, cdrColumns(ctx), false);
    if (copied.cut) ctx.note(ctx.t('msg.detailTableCut', { count: TABLE_ROWS }));
  }
  if (copied.records === 0 && !copied.cut) ctx.note(ctx.t('msg.detailEmpty'));
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
