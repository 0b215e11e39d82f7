import type { Command } from 'commander';
import type { AuditEntry } from '../../api/auth.js';
import type { Context } from '../context.js';
import { limitOption, take, withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';
import { parseWhen } from '../when.js';

interface AuditOptions {
  actor?: string;
  action?: string;
  number?: string;
  since?: string;
  until?: string;
  result?: string;
  limit?: number;
}

/** vm audit: who did what, when, from where — every login, change and denial. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  withExamples(
    program
      .command('audit')
      .description(t('cmd.audit'))
      .option('--actor <text>', t('opt.auditActor'))
      .option('--action <action>', t('opt.auditAction'))
      .option('--number <number>', t('opt.auditNumber'))
      .option('--since <time>', t('opt.auditSince'))
      .option('--until <time>', t('opt.auditUntil'))
      .option('--result <result>', t('opt.auditResult'))
      .addOption(limitOption(ctx)),
    t,
    [
      'vm audit --since 2026-11-01 --result failed',
      'vm audit --number "8 (916) 123-45-67" --csv > history.csv',
      'vm audit --actor manager@demo.test --action tariff.change --json',
    ],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<AuditOptions>(cmd);
    const query = {
      actor: o.actor,
      action: o.action,
      number: o.number,
      since: o.since ? parseWhen(o.since, await ctx.nowFor(o.since), t) : undefined,
      until: o.until ? parseWhen(o.until, await ctx.nowFor(o.until), t) : undefined,
      result: o.result,
    };
    const client = await ctx.client();
    const columns: Column<AuditEntry>[] = [
      { key: 'time', header: t('col.time'), kind: 'time' },
      { key: 'actor', header: t('col.createdBy'), freeText: true },
      { key: 'action', header: t('col.type') },
      { key: 'target', header: t('col.target'), freeText: true },
      { key: 'result', header: t('col.result') },
      { key: 'ip', header: t('col.ip') },
      {
        key: 'params',
        header: t('col.description'),
        get: (e) => JSON.stringify(e.params),
        inTable: false,
        freeText: true,
      },
      { key: 'requestId', header: 'request id', inTable: false },
      { key: 'id', header: t('col.id'), kind: 'number', inTable: false },
    ];
    await ctx.printRows(
      take(client.paginate('audit.list', query, Math.min(o.limit ?? 1000, 1000)), o.limit),
      columns,
    );
  });
}
