import { REPORT_TYPES, type ReportType } from '../../domain/billing.js';
import type { Command } from 'commander';
import type { Report, ReportInfo } from '../../api/billing.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { limitOption, withExamples } from '../command-options.js';
import type { Column, ColumnKind } from '../output/render.js';
import { parsePeriod } from '../period.js';

const isReportType = (x: string): x is ReportType => (REPORT_TYPES as readonly string[]).includes(x);

/** vm report <type> and vm report list: reports the backend computes over your scope. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const report = program
    .command('report [type]')
    .description(t('cmd.report'))
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
  ]).action(async (type: string | undefined, _o, cmd: Command) => {
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
    }>(cmd);
    if (!type) throw new UsageError(t('err.reportType', { types: REPORT_TYPES.join(', ') }));
    if (type === 'list') return list(ctx);
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
    let result: Report;
    if (o.file?.length) {
      // Numbers from CSV files, validated completely first (file:line for each bad row).
      const { readTargets } = await import('../input/number-list.js');
      const read = await readTargets([], o.file, { column: o.column }, ctx.io.stdin);
      const body = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
      result = await client.call('reports.run', {
        params: { type },
        body: { ...body, numbers: read.rows.map((r) => r.msisdn) },
      });
    } else result = await client.call('reports.show', { params: { type }, query: filters });
    await print(ctx, o.limit === undefined ? result : { ...result, rows: result.rows.slice(0, o.limit) });
  });
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

/** A report's rows with its own columns; the totals as a last row of the table, a field of JSON. */
async function print(ctx: Context, r: Report): Promise<void> {
  const format = await ctx.format();
  if (format === 'json') {
    ctx.io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return;
  }
  const columns: Column<Record<string, unknown>>[] = r.columns.map((c) => ({
    key: c.key,
    header: header(ctx, c.key),
    kind: c.kind as ColumnKind,
    freeText: c.freeText === true,
  }));
  const rows = r.totals && format === 'table' ? [...r.rows, r.totals] : r.rows;
  await ctx.printRows(rows, columns);
  ctx.note(ctx.t('msg.reportPeriod', { type: r.type, from: r.from, to: r.to, count: r.rows.length }));
}

function header(ctx: Context, key: string): string {
  const k = `col.${key}` as Parameters<typeof ctx.t>[0];
  const text = ctx.t(k);
  return text === k ? key : text;
}
