import type { Command } from 'commander';
import type { ApiToken } from '../../api/auth.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { limitOption, take, withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

/** vm tokens create|list|revoke: long-lived API tokens for cron and scripts. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const tokens = withExamples(program.command('tokens').description(t('cmd.tokens')), t, [
    'vm tokens create --name backup-job --scope numbers:read,block:write --expires 90d',
    'VM_TOKEN=vmt_... vm numbers list --json',
  ]);

  withExamples(
    tokens
      .command('create')
      .description(t('cmd.tokens.create'))
      .requiredOption('--name <name>', t('cmd.tokens.name'))
      .option('--scope <permissions>', t('cmd.tokens.scope'))
      .option('--expires <when>', t('cmd.tokens.expires')),
    t,
    [
      'vm tokens create --name nightly-report --scope numbers:read',
      'vm tokens create --name block-job --scope numbers:read,block:write --expires 2027-01-31',
    ],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ name: string; scope?: string; expires?: string }>(cmd);
    const scope = o.scope
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const expiresAt =
      o.expires === undefined
        ? undefined
        : parseExpiry(o.expires, await ctx.nowFor(o.expires, isExpiryDuration), ctx);
    const created = await (
      await ctx.client()
    ).call('tokens.create', { body: { name: o.name, scope, expiresAt } });
    const format = await ctx.format();
    if (format === 'json' || format === 'jsonl') {
      await ctx.printObject(created, []);
      return;
    }
    ctx.note(t('msg.tokenCreated', { name: created.info.name }));
    ctx.io.stdout.write(`${created.token}\n`);
  });

  withExamples(tokens.command('list').description(t('cmd.tokens.list')).addOption(limitOption(ctx)), t, [
    'vm tokens list',
    'vm tokens list --json',
  ]).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ limit?: number }>(cmd);
    const client = await ctx.client();
    await ctx.printRows(take(client.paginate('tokens.list'), o.limit), tokenColumns(ctx));
  });

  withExamples(tokens.command('revoke <token>').description(t('cmd.tokens.revoke')), t, [
    'vm tokens revoke backup-job',
    'vm tokens revoke 3',
  ]).action(async (token: string, _o, cmd: Command) => {
    ctx.use(cmd);
    const revoked = await (await ctx.client()).call('tokens.revoke', { params: { id: token } });
    ctx.note(t('msg.tokenRevoked', { name: revoked.name }));
  });
}

function tokenColumns(ctx: Context): Column<ApiToken>[] {
  const t = ctx.t;
  return [
    { key: 'id', header: t('col.id'), kind: 'number' },
    { key: 'name', header: t('col.name'), freeText: true },
    { key: 'scope', header: t('col.scope'), kind: 'list' },
    { key: 'createdAt', header: t('col.created'), kind: 'time' },
    { key: 'expiresAt', header: t('col.expires'), kind: 'time' },
    { key: 'lastUsedAt', header: t('col.lastUsed'), kind: 'time' },
    { key: 'revokedAt', header: t('col.revoked'), kind: 'time' },
  ];
}

const EXPIRY_DURATION = /^(\d+)\s*([dhm])$/i;

/** Whether an --expires value is a duration, counted from the backend's clock (Context.nowFor). */
function isExpiryDuration(text: string): boolean {
  return EXPIRY_DURATION.test(text.trim());
}

/** `90d`, `12h`, `30m`, a date (end of that day, UTC) or an ISO time → ISO time. */
export function parseExpiry(text: string, now: Date, ctx: Pick<Context, 't'>): string {
  const duration = EXPIRY_DURATION.exec(text.trim());
  if (duration) {
    const unit = { d: 86400, h: 3600, m: 60 }[(duration[2] as string).toLowerCase() as 'd' | 'h' | 'm'];
    return new Date(now.getTime() + Number(duration[1]) * unit * 1000).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text.trim())) {
    const end = new Date(`${text.trim()}T23:59:59Z`);
    if (!Number.isNaN(end.getTime())) return end.toISOString();
  }
  const time = new Date(text);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(time.getTime())) return time.toISOString();
  throw new UsageError(ctx.t('err.badExpiry', { value: text }));
}
