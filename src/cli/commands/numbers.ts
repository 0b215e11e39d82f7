import { Option, type Command } from 'commander';
import type { Line, LineDetail } from '../../api/lines.js';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import type { HistoryEntry } from '../line-history.js';
import { limitOption, take, withExamples } from '../command-options.js';
import { completeAs } from '../value-kinds.js';
import type { Column } from '../output/render.js';

interface ListOptions {
  account?: string;
  region?: string;
  group?: string;
  tariff?: string;
  status?: string;
  search?: string;
  limit?: number;
}

/** vm numbers list|show. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const numbers = withExamples(program.command('numbers').description(t('cmd.numbers')), t, [
    'vm numbers list --group sales',
    'vm numbers show "8 (916) 123-45-67"',
  ]);

  withExamples(
    numbers
      .command('list')
      .description(t('cmd.numbers.list'))
      .option('--account <id>', t('cmd.numbers.account'))
      .option('--region <code>', t('cmd.numbers.region'))
      .option('--group <group>', t('cmd.numbers.group'))
      .addOption(completeAs('tariffs', new Option('--tariff <code>', t('cmd.numbers.tariff'))))
      .addOption(
        new Option('--status <status>', t('cmd.numbers.status')).choices([
          'active',
          'blocked',
          'suspended_by_operator',
          'terminated',
        ]),
      )
      .option('--search <text>', t('cmd.numbers.search'))
      .addOption(limitOption(ctx)),
    t,
    [
      'vm numbers list',
      'vm numbers list --group "Sales North" --status active',
      'vm numbers list --region MOW --tariff SMART --json > moscow-smart.json',
      'vm numbers list --fields msisdn,employee,tariff --csv > numbers.csv',
    ],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<ListOptions>(cmd);
    const client = await ctx.client();
    const filter = {
      account: o.account,
      region: o.region,
      group: o.group,
      tariff: o.tariff,
      status: o.status,
      search: o.search,
    };
    const pageSize = Math.min(o.limit ?? 1000, 1000);
    await ctx.printRows(take(client.paginate('numbers.list', filter, pageSize), o.limit), lineColumns(ctx));
  });

  withExamples(numbers.command('show <number>').description(t('cmd.numbers.show')), t, [
    'vm numbers show +79161234567',
    'vm numbers show "8 (916) 123-45-67" --json',
  ]).action(async (number: string, _o, cmd: Command) => {
    ctx.use(cmd);
    const { parseMsisdn } = await import('../../domain/msisdn.js');
    const msisdn = parseMsisdn(number);
    const line = await (await ctx.client()).call('numbers.show', { params: { msisdn } });
    await ctx.printObject(line, detailColumns(ctx));
  });

  withExamples(numbers.command('history <number>').description(t('cmd.numbers.history')), t, [
    'vm numbers history +79161234567',
    'vm numbers history "8 (916) 123-45-67" --csv > history.csv',
  ]).action(async (number: string, _o, cmd: Command) => {
    ctx.use(cmd);
    const { parseMsisdn } = await import('../../domain/msisdn.js');
    const { lineHistory } = await import('../line-history.js');
    const msisdn = parseMsisdn(number);
    const client = await ctx.client();
    // The number must be one the caller may see: an unknown or outside number is "not found", once.
    await client.call('numbers.show', { params: { msisdn } });
    const events = await allOrForbidden(client.paginate('events.list', { number: msisdn }));
    const audit = await allOrForbidden(client.paginate('audit.list', { number: msisdn }));
    if (events === 'forbidden' && audit === 'forbidden') throw new CliError(t('err.historyForbidden'), 5);
    const entries = lineHistory(events === 'forbidden' ? [] : events, audit === 'forbidden' ? [] : audit);
    await ctx.printRows(entries, historyColumns(ctx));
  });
}

/** Every row of a list, or 'forbidden' when the caller lacks the permission it needs. */
async function allOrForbidden<T>(rows: AsyncIterable<T>): Promise<T[] | 'forbidden'> {
  const out: T[] = [];
  try {
    for await (const r of rows) out.push(r);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'forbidden') return 'forbidden';
    throw err;
  }
  return out;
}

function historyColumns(ctx: Context): Column<HistoryEntry>[] {
  const t = ctx.t;
  return [
    { key: 'time', header: t('col.time'), kind: 'time' },
    { key: 'change', header: t('col.change') },
    { key: 'from', header: t('col.from'), get: (h) => historyValue(h.from) },
    { key: 'to', header: t('col.to'), get: (h) => historyValue(h.to) },
    { key: 'detail', header: t('col.description'), freeText: true },
    { key: 'by', header: t('col.createdBy'), freeText: true },
    { key: 'operationId', header: t('col.operation') },
  ];
}

/** A value of a change as one cell: text as it is, a limit or a list as JSON. */
function historyValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** On a narrow terminal the region, then the account, make room for the names (`vm numbers show` has both). */
function lineColumns(ctx: Context): Column<Line>[] {
  const t = ctx.t;
  return [
    { key: 'msisdn', header: t('col.msisdn') },
    { key: 'employee', header: t('col.employee'), freeText: true },
    { key: 'groupPath', header: t('col.group'), freeText: true },
    { key: 'tariff', header: t('col.tariff') },
    { key: 'services', header: t('col.services'), kind: 'list', inTable: false },
    { key: 'status', header: t('col.status') },
    { key: 'accountId', header: t('col.account'), dropRank: 2 },
    { key: 'region', header: t('col.region'), dropRank: 1 },
    { key: 'monthlyFee', header: t('col.monthlyFee'), kind: 'money' },
    { key: 'blockReason', header: t('col.blockReason'), inTable: false, freeText: true },
    { key: 'iccid', header: t('col.iccid'), inTable: false },
    { key: 'groupId', header: t('col.group'), inTable: false },
    { key: 'activatedAt', header: t('col.activatedAt'), kind: 'time', inTable: false },
  ];
}

function detailColumns(ctx: Context): Column<LineDetail>[] {
  const t = ctx.t;
  return [
    { key: 'msisdn', header: t('col.msisdn') },
    { key: 'employee', header: t('col.employee'), freeText: true },
    { key: 'status', header: t('col.status') },
    { key: 'blockReason', header: t('col.blockReason'), freeText: true },
    { key: 'blockedSince', header: t('col.blockedSince'), kind: 'time' },
    { key: 'groupPath', header: t('col.group'), freeText: true },
    { key: 'accountId', header: t('col.account') },
    { key: 'accountName', header: t('col.accountName'), freeText: true },
    { key: 'accountBalance', header: t('col.balance'), kind: 'money' },
    { key: 'region', header: t('col.region') },
    { key: 'tariff', header: t('col.tariff'), get: (l) => `${l.tariff} (${l.tariffName})` },
    {
      key: 'services',
      header: t('col.services'),
      kind: 'list',
      get: (l) => l.serviceDetails.map((s) => `${s.code} (${s.name})`),
    },
    { key: 'monthlyFee', header: t('col.monthlyFee'), kind: 'money' },
    { key: 'iccid', header: t('col.iccid') },
    { key: 'activatedAt', header: t('col.activatedAt'), kind: 'time' },
  ];
}
