import type { Command } from 'commander';
import type { Event, EventTypeInfo } from '../../api/events.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { limitOption, take, withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';
import { parseWhen } from '../when.js';
import { eventSummary, eventTypeText } from '../event-summary.js';

interface ListOptions {
  type?: string;
  number?: string;
  since?: string;
  until?: string;
  after?: string;
  newest?: boolean;
  limit?: number;
}

interface FollowOptions {
  type?: string;
  number?: string;
  since?: string;
  after?: string;
}

/** vm events list|follow|types: what happened, for scripts that react instead of polling and diffing. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const events = withExamples(program.command('events').description(t('cmd.events')), t, [
    'vm events list --since 24h --type "operation.*"',
    'vm events follow --type line.blocked,limit.* --jsonl',
  ]);

  withExamples(
    events
      .command('list')
      .description(t('cmd.events.list'))
      .option('--type <types>', t('opt.eventType'))
      .option('--number <number>', t('opt.eventNumber'))
      .option('--since <time>', t('opt.eventSince'))
      .option('--until <time>', t('opt.eventUntil'))
      .option('--after <id>', t('opt.eventAfter'))
      .option('--newest', t('opt.eventNewest'))
      .addOption(limitOption(ctx)),
    t,
    [
      'vm events list --since 2026-12-01 --type limit.*',
      'vm events list --number "8 (916) 123-45-67"',
      'vm events list --after 1520 --jsonl   # what came after the last event a script saw',
      'vm events list --newest --limit 20',
    ],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<ListOptions>(cmd);
    const query = {
      type: o.type,
      number: o.number,
      since: o.since ? parseWhen(o.since, await ctx.nowFor(o.since), t) : undefined,
      until: o.until ? parseWhen(o.until, await ctx.nowFor(o.until), t) : undefined,
      after: o.after === undefined ? undefined : eventId(o.after, ctx),
      order: o.newest ? ('desc' as const) : undefined,
    };
    const client = await ctx.client();
    await ctx.printRows(
      take(client.paginate('events.list', query, Math.min(o.limit ?? 1000, 1000)), o.limit),
      eventColumns(ctx),
    );
  });

  withExamples(
    events
      .command('follow')
      .description(t('cmd.events.follow'))
      .option('--type <types>', t('opt.eventType'))
      .option('--number <number>', t('opt.eventNumber'))
      .option('--since <time>', t('opt.eventFollowSince'))
      .option('--after <id>', t('opt.eventAfter')),
    t,
    [
      'vm events follow',
      'vm events follow --type operation.finished --jsonl | while read -r e; do …; done',
      'vm events follow --after 1520 --jsonl >> events.jsonl',
    ],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<FollowOptions>(cmd);
    if (o.since !== undefined && o.after !== undefined) throw new UsageError(t('err.eventsSinceAfter'));
    const format = await ctx.format();
    if (format === 'json') throw new UsageError(t('err.eventsFollowJson'));
    // A workbook is written whole when the run ends, and a follow ends by Ctrl-C, which drops it.
    if (o.xlsx !== undefined) throw new UsageError(t('err.eventsFollowXlsx'));
    const { followEvents } = await import('../event-follow.js');
    const since = o.since ? parseWhen(o.since, await ctx.nowFor(o.since), t) : undefined;
    await followEvents(ctx, {
      type: o.type,
      number: o.number,
      since,
      after: o.after === undefined ? undefined : eventId(o.after, ctx),
      columns: eventColumns(ctx),
      format,
    });
  });

  withExamples(events.command('types').description(t('cmd.events.types')), t, [
    'vm events types',
    'vm events types --json',
  ]).action(async (_o, cmd: Command) => {
    ctx.use(cmd);
    const list = await (await ctx.client()).call('events.types');
    const columns: Column<EventTypeInfo>[] = [
      { key: 'type', header: t('col.type') },
      { key: 'subjectType', header: t('col.subject') },
      {
        key: 'description',
        header: t('col.description'),
        freeText: true,
        get: (e) => eventTypeText(e.type, e.description, ctx.lang),
      },
    ];
    await ctx.printRows(list.data, columns);
    ctx.note(t('msg.eventRetention', { days: list.retentionDays }));
  });
}

/** An event id as a user gives it (`--after`): digits. */
function eventId(text: string, ctx: Context): number {
  if (!/^\d{1,15}$/.test(text.trim())) throw new UsageError(ctx.t('err.eventId', { value: text }));
  return Number(text.trim());
}

/** The columns of an event, in lists and in a followed stream. */
export function eventColumns(ctx: Context): Column<Event>[] {
  const t = ctx.t;
  return [
    { key: 'id', header: t('col.id'), kind: 'number' },
    { key: 'time', header: t('col.time'), kind: 'time' },
    { key: 'type', header: t('col.type') },
    { key: 'subject', header: t('col.subject') },
    { key: 'groupId', header: t('col.group'), dropRank: 1 },
    { key: 'summary', header: t('col.description'), freeText: true, get: (e) => eventSummary(e) },
    { key: 'subjectType', header: 'subject type', inTable: false },
    { key: 'data', header: 'data', inTable: false, freeText: true, get: (e) => JSON.stringify(e.data) },
  ];
}
