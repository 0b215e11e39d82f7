import { REPORT_TYPES, type ReportType } from '../../domain/billing.js';
import { Argument, type Command } from 'commander';
import type { Report, ReportHead, ReportInfo, ReportJob, ReportLine } from '../../api/billing.js';
import type { Context } from '../context.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { limitOption, withExamples } from '../command-options.js';
import type { Column, ColumnKind, OutputFormat } from '../output/render.js';
import { parsePeriod } from '../period.js';

/** A row of a report: its columns' keys and values. */
type Row = Record<string, unknown>;

/**
 * A report as it is read: what it is, its rows as they come (a job's result is streamed, never whole in
 * memory), and its totals once the rows were read.
 */
interface ReportFeed {
  head: ReportHead;
  rows: Iterable<Row> | AsyncIterable<Row>;
  totals(): Report['totals'];
}

/** A 202's job rather than a 200's report. */
const isJob = (answer: Report | ReportJob): answer is ReportJob => 'state' in answer && 'id' in answer;

const isReportType = (x: string): x is ReportType => (REPORT_TYPES as readonly string[]).includes(x);

/** vm report <type> and vm report list: reports the backend computes over your scope. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  // argChoices without .choices(): completion offers the report types and the verbs, the action words
  // a bad one itself (exit 2, naming the types).
  const typeArg = new Argument('[type]');
  typeArg.argChoices = [...REPORT_TYPES, 'list', 'jobs', 'get'];
  const report = program
    .command('report')
    .addArgument(typeArg)
    .addArgument(new Argument('[job]'))
    .description(t('cmd.report'))
    .option('--no-wait', t('opt.reportNoWait'))
    .option('--output <file>', t('opt.reportOutput'))
    .option('--period <month>', t('opt.detailPeriod'))
    .option('--from <day>', t('opt.detailFrom'))
    .option('--to <day>', t('opt.detailTo'))
    .option('--group <group>', t('opt.reportGroup'))
    .option('--number <number>', t('opt.reportNumber'))
    .option('--account <id>', t('opt.reportAccount'))
    .option('--by <what>', t('opt.reportBy'))
    .option('--actor <who>', t('opt.reportActor'))
    .option('--file <path...>', t('opt.reportFile'))
    .option('--column <name>', t('opt.column'))
    .addOption(limitOption(ctx));
  withExamples(report, t, [
    'vm report list',
    'vm report expenses --period 2026-10 --by group',
    'vm report usage --group drivers --period 2026-10 --csv --excel > usage.csv',
    'vm report inventory --json',
    'vm report blocked',
    'vm report activity --actor admin@demo.test --from 2026-11-01',
    'vm report tariff-optimization',
    'vm report expenses --file managers.csv --period 2026-10   # only the numbers of a CSV',
    'vm report usage --period 2026-10 --no-wait --json   # a background job: prints it and exits',
    'vm report get rj_1a2b3c4d5e6f7a8b --output usage.csv',
    'vm report expenses --period 2026-10 --by group --xlsx expenses.xlsx',
    'vm report jobs',
  ]).action(async (type: string | undefined, job: string | undefined, _o, cmd: Command) => {
    const o = ctx.use<{
      period?: string;
      from?: string;
      to?: string;
      group?: string;
      number?: string;
      account?: string;
      by?: string;
      actor?: string;
      limit?: number;
      file?: string[];
      column?: string;
      wait: boolean;
      output?: string;
    }>(cmd);
    if (!type) throw new UsageError(t('err.reportType', { types: REPORT_TYPES.join(', ') }));
    // --xlsx FILE is where the report goes, like --output FILE.xlsx (Context.use checked the file).
    if (o.output !== undefined && ctx.opts.xlsx !== undefined)
      throw new UsageError(t('err.xlsxWithOutput', { file: ctx.opts.xlsx, output: o.output }));
    if (o.output !== undefined) {
      const { refuseUnwritableFile } = await import('../output/atomic-file.js');
      refuseUnwritableFile(o.output, t);
    }
    if (type === 'list') return list(ctx);
    if (type === 'jobs') return jobs(ctx);
    const shown = { limit: o.limit, output: o.output ?? ctx.opts.xlsx };
    if (type === 'get') {
      if (!job) throw new UsageError(t('err.reportJobId'));
      return show(ctx, await result(ctx, job), shown);
    }
    if (job !== undefined) throw new UsageError(t('err.reportExtra', { value: job }));
    if (!isReportType(type))
      throw new UsageError(t('err.reportUnknown', { type, types: REPORT_TYPES.join(', ') }));
    if (o.by !== undefined && !['number', 'group', 'account'].includes(o.by))
      throw new UsageError(t('err.reportBy', { value: o.by }));
    const { from, to } = parsePeriod(o, t);
    const filters = {
      from,
      to,
      group: o.group,
      number: o.number,
      account: o.account,
      by: o.by,
      actor: o.actor,
    };
    const client = await ctx.client();
    let answer: Report | ReportJob;
    // --no-wait asks for a job even for a report the backend could answer at once: a script gets an id.
    const query = o.wait ? {} : { job: true };
    if (o.file?.length) {
      // Numbers from CSV files, validated completely first (file:line for each bad row).
      const { readTargets } = await import('../input/number-list.js');
      const read = await readTargets([], o.file, { column: o.column, t: ctx.t }, ctx.io.stdin);
      const body = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
      answer = await client.call('reports.run', {
        params: { type },
        query,
        body: { ...body, numbers: read.rows.map((r) => r.msisdn) },
      });
    } else answer = await client.call('reports.show', { params: { type }, query: { ...filters, ...query } });
    if (!isJob(answer)) return show(ctx, feedOf(answer), shown);
    if (!o.wait) return printJob(ctx, answer);
    const done = await waitForJob(ctx, answer);
    return show(ctx, await result(ctx, done.id), shown);
  });
}

/**
 * Prints a report, cut to --limit rows, to stdout or to --output FILE (its format by its extension).
 * The rows past the limit are still read, for the totals of the whole report.
 */
async function show(ctx: Context, r: ReportFeed, o: { limit?: number; output?: string }): Promise<void> {
  const shown = { count: 0 };
  const limit = o.limit ?? Infinity;
  async function* rows(): AsyncGenerator<Row> {
    for await (const row of r.rows) {
      if (shown.count >= limit) continue;
      shown.count++;
      yield row;
    }
  }
  const report = { ...r, rows: rows() };
  if (o.output === undefined) {
    await print(ctx, report);
    // The JSON document says it all; a table or CSV on stdout has no room for the period.
    if ((await ctx.format()) !== 'json')
      ctx.note(
        ctx.t('msg.reportPeriod', {
          type: r.head.type,
          from: r.head.from,
          to: r.head.to,
          count: shown.count,
        }),
      );
    return;
  }
  const file = o.output;
  const { recordFormat } = await import('../output/record-stream.js');
  const { writeFileAtomically } = await import('../output/atomic-file.js');
  const format = recordFormat(await ctx.format(), Boolean(ctx.opts.format), file);
  await writeFileAtomically(file, (out) => print(ctx, report, { out, format, sheet: r.head.type }));
  if (format === 'xlsx') ctx.xlsxWritten = true;
  ctx.note(ctx.t('msg.reportSaved', { file, count: shown.count }));
}

/** A report answered at once, as a feed. */
function feedOf(r: Report): ReportFeed {
  const { rows, totals, ...head } = r;
  return { head, rows, totals: () => totals };
}

/** The result of a finished job, streamed; a job still running is waited for first. */
async function result(ctx: Context, id: string): Promise<ReportFeed> {
  const client = await ctx.client();
  const job = await client.call('reportJobs.show', { params: { id } });
  // A failed job is refused there, at once (it is finished: nothing to wait for).
  if (job.state !== 'succeeded') await waitForJob(ctx, job);
  const { jsonLines } = await import('../../client/json-lines.js');
  const lines = jsonLines<ReportLine>(await client.stream('reportJobs.lines', { params: { id } }));
  const cut = () => new CliError(ctx.t('err.reportCut', { id }), EXIT.error);
  const first = await lines.next().catch(() => ({ done: true, value: undefined }) as const);
  if (first.done || !('report' in first.value)) throw cut();
  let end: Extract<ReportLine, { end: unknown }>['end'] | undefined;
  async function* rows(): AsyncGenerator<Row> {
    let count = 0;
    try {
      for await (const line of lines) {
        if ('row' in line) {
          count++;
          yield line.row;
        } else if ('end' in line) end = line.end;
      }
    } catch (err) {
      if (err instanceof Error && err.name === 'StreamCutError') throw cut();
      throw err;
    }
    // Rows missing before the end line would be a shorter report, never shown as the report.
    if (!end || end.rows !== count) throw cut();
  }
  return {
    head: first.value.report,
    rows: rows(),
    totals: () => end?.totals ?? null,
  };
}

/** Waits for a report job, with a progress bar on a terminal (days of history, then numbers). */
async function waitForJob(ctx: Context, start: ReportJob): Promise<ReportJob> {
  const client = await ctx.client();
  const { waitWithProgress } = await import('../output/progress.js');
  const done = await waitWithProgress(ctx, start, {
    id: (j) => j.id,
    finished: (j) => j.state === 'succeeded' || j.state === 'failed',
    poll: async (j) => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      return client.call('reportJobs.show', { params: { id: j.id } });
    },
    bar: {
      format: '{phase} [{bar}] {value}/{total}',
      total: (j) => Math.max(1, j.total),
      value: (j) => j.done,
      payload: (j) => ({
        phase: j.phase === 'history' ? ctx.t('msg.reportHistory') : ctx.t('msg.reportNumbers'),
      }),
    },
    interrupted: (id) => ctx.t('msg.reportInterrupted', { id }),
  });
  if (done.state === 'failed')
    throw new CliError(
      ctx.t('err.reportJobFailed', { id: done.id, message: done.error?.message ?? '' }),
      EXIT.error,
    );
  return done;
}

const jobColumns = (ctx: Context): Column<ReportJob>[] => [
  { key: 'id', header: ctx.t('col.id') },
  { key: 'type', header: ctx.t('col.type') },
  { key: 'state', header: ctx.t('col.state') },
  { key: 'done', header: ctx.t('col.progress'), get: (j) => (j.total ? `${j.done}/${j.total}` : '') },
  { key: 'rows', header: ctx.t('col.rows'), kind: 'number' },
  { key: 'createdAt', header: ctx.t('col.created'), kind: 'time' },
  { key: 'expiresAt', header: ctx.t('col.expires'), kind: 'time' },
];

/** A job submitted with --no-wait: the job itself (JSON with --json), and how to get its result. */
async function printJob(ctx: Context, job: ReportJob): Promise<void> {
  await ctx.printObject(job, jobColumns(ctx));
  ctx.note(ctx.t('msg.reportJobQueued', { id: job.id }));
}

async function jobs(ctx: Context): Promise<void> {
  const client = await ctx.client();
  await ctx.printRows(client.paginate('reportJobs.list', {}, 100), jobColumns(ctx));
}

async function list(ctx: Context): Promise<void> {
  const t = ctx.t;
  const { data } = await (await ctx.client()).call('reports.list');
  const columns: Column<ReportInfo>[] = [
    { key: 'type', header: t('col.type') },
    { key: 'description', header: t('col.description'), get: (r) => describe(ctx, r), freeText: true },
    { key: 'filters', header: t('col.filters'), kind: 'list' },
    { key: 'columns', header: t('col.columns'), kind: 'list', inTable: false },
  ];
  await ctx.printRows(data, columns);
}

function describe(ctx: Context, r: ReportInfo): string {
  const key = `report.${r.type}` as Parameters<typeof ctx.t>[0];
  const text = ctx.t(key);
  return text === key ? r.description : text;
}

/**
 * A report's rows with its own columns; the totals as a last row of the table, a field of JSON. To
 * stdout in the run's format, or to a file's stream in the file's.
 */
async function print(
  ctx: Context,
  r: ReportFeed,
  to?: { out: NodeJS.WritableStream; format: OutputFormat; sheet?: string },
): Promise<void> {
  const format = to?.format ?? (await ctx.format());
  const out = to?.out ?? ctx.io.stdout;
  if (format === 'json') await printJson(out, r);
  else {
    const columns: Column<Row>[] = r.head.columns.map((c) => ({
      key: c.key,
      header: header(ctx, c.key),
      kind: c.kind as ColumnKind,
      freeText: c.freeText === true,
    }));
    async function* rows(): AsyncGenerator<Row> {
      yield* r.rows;
      const totals = r.totals();
      if (totals && format === 'table') yield totals;
    }
    await ctx.printRows(rows(), columns, true, to);
  }
  if (to) await new Promise<void>((resolve) => out.end(() => resolve()));
}

/**
 * The report as one JSON document, written a row at a time: the same text as JSON.stringify(report,
 * null, 2) of the whole report, which is never built.
 */
async function printJson(out: NodeJS.WritableStream, r: ReportFeed): Promise<void> {
  const { writeChunk } = await import('../output/render.js');
  const { type, from, to, columns } = r.head;
  const head = JSON.stringify({ type, from, to, columns, rows: [] }, null, 2);
  await writeChunk(out, head.slice(0, head.lastIndexOf(']')));
  let count = 0;
  for await (const row of r.rows) {
    await writeChunk(out, `${count > 0 ? ',' : ''}\n    ${indent(JSON.stringify(row, null, 2), '    ')}`);
    count++;
  }
  const totals = indent(JSON.stringify(r.totals(), null, 2), '  ');
  await writeChunk(out, `${count > 0 ? '\n  ' : ''}],\n  "totals": ${totals}\n}\n`);
}

function indent(text: string, by: string): string {
  return text.replace(/\n/g, `\n${by}`);
}

function header(ctx: Context, key: string): string {
  const k = `col.${key}` as Parameters<typeof ctx.t>[0];
  const text = ctx.t(k);
  return text === k ? key : text;
}
