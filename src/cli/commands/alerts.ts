import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type {
  AlertRemoveBody,
  AlertRule,
  AlertSetBody,
  AlertSetResult,
  LimitAlert,
} from '../../api/alerts.js';
import type { AlertChannel, AlertKey, AlertMetric } from '../../domain/alerts.js';
import type { Context } from '../context.js';
import { idempotencyKeyOption, limitOption, take, withExamples } from '../command-options.js';
import { addTargetOptions } from '../changes/index.js';
import { UsageError } from '../errors.js';
import type { Translate } from '../i18n/index.js';
import type { Column, OutputFormat } from '../output/render.js';

/** What `vm alerts set` and `remove` read of the command line. */
interface AlertFlags {
  file?: string[];
  column?: string;
  skipInvalid?: boolean;
  group?: string;
  metric?: string;
  threshold?: string;
  ofLimit?: boolean;
  value?: string;
  period?: string;
  action?: string;
  notify?: string;
  dryRun?: boolean;
  idempotencyKey?: string;
}

/** A rule's id as the API gives it. */
const RULE_ID = /^al_\d{1,15}$/;

/**
 * vm alerts set|list|remove: thresholds below a spending limit (a percentage of it) and on data,
 * minutes and SMS (a value), per billing month or day, on numbers or on a group (inherited like a group
 * limit). Billing checks them as it charges and records each crossing once per period: the event
 * `limit.threshold_reached`, the outbox, and for `block` a block of the number. A rule is not an
 * operation: it changes no line, so it is set at once (the whole list checked first), with a dry run.
 */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const alerts = withExamples(program.command('alerts').description(t('cmd.alerts')), t, [
    'vm alerts set +79161234567 --metric spend --threshold 80% --of-limit',
    'vm alerts list',
  ]);

  const set = alerts.command('set [numbers...]').description(t('cmd.alerts.set'));
  addTargetOptions(set, ctx, { filters: false });
  addRuleOptions(set, ctx);
  set
    .option('--action <action>', t('opt.alertAction'), 'notify')
    .option('--notify <channels>', t('opt.alertNotify'))
    .option('--dry-run', t('opt.alertDryRun'))
    .addOption(idempotencyKeyOption(ctx));
  withExamples(set, t, [
    'vm alerts set +79161234567 --metric spend --threshold 80% --of-limit',
    'vm alerts set --group drivers --metric data --value 5000 --period month --action block',
    'vm alerts set --file staff.csv --metric spend --value "1 500,00" --period day --notify email,sms',
    'vm alerts set --group sales --metric minutes --threshold 90% --of-limit --notify webhook --dry-run',
  ]).action(async (numbers: string[], _o, cmd: Command) => {
    const f = ctx.use<AlertFlags & { action: string }>(cmd);
    const key = await ruleKey(f, t, true);
    const { isAlertAction } = await import('../../domain/alerts.js');
    const action = f.action.trim().toLowerCase();
    if (!isAlertAction(action)) throw new UsageError(t('err.alertAction', { value: f.action }));
    const notify = f.notify === undefined ? undefined : await channels(f.notify, t);
    const target = await targets(ctx, numbers, f, true);
    const body: AlertSetBody = { ...target, ...key, action, ...(notify ? { notify } : {}) };
    const client = await ctx.client();
    const result = await client.call('alerts.set', {
      body,
      ...(f.dryRun ? { query: { dryRun: true } } : { idempotencyKey: f.idempotencyKey ?? randomUUID() }),
    });
    await sayRule(ctx, result, target.group);
    if (await formatAsked(ctx)) await ctx.printObject(result, setColumns(t));
  });

  withExamples(
    alerts
      .command('list')
      .description(t('cmd.alerts.list'))
      .option('--number <number>', t('opt.alertListNumber'))
      .option('--group <group>', t('opt.alertListGroup'))
      .option('--metric <metric>', t('opt.alertListMetric'))
      .addOption(limitOption(ctx)),
    t,
    ['vm alerts list', 'vm alerts list --number +79161234567', 'vm alerts list --group drivers --json'],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ number?: string; group?: string; metric?: string; limit?: number }>(cmd);
    const metric = o.metric === undefined ? undefined : await requireMetric(o.metric, t);
    const client = await ctx.client();
    const columns = await ruleColumns(ctx);
    await ctx.printRows(
      take(client.paginate('alerts.list', { number: o.number, group: o.group, metric }), o.limit),
      columns,
    );
  });

  const remove = alerts.command('remove [rules-or-numbers...]').description(t('cmd.alerts.remove'));
  addTargetOptions(remove, ctx, { filters: false });
  addRuleOptions(remove, ctx);
  remove.addOption(idempotencyKeyOption(ctx));
  withExamples(remove, t, [
    'vm alerts remove al_12 al_13',
    'vm alerts remove +79161234567 --metric spend --threshold 80% --of-limit',
    'vm alerts remove --group drivers --metric data --value 5000',
  ]).action(async (args: string[], _o, cmd: Command) => {
    const f = ctx.use<AlertFlags>(cmd);
    const ids = args.filter((a) => RULE_ID.test(a.trim()));
    let body: AlertRemoveBody;
    if (ids.length > 0) {
      const keyGiven = f.metric ?? f.threshold ?? f.value ?? f.group ?? f.file?.length;
      if (ids.length !== args.length || keyGiven) throw new UsageError(t('err.alertRemoveWhat'));
      body = { ids: ids.map((id) => id.trim()) };
    } else {
      if (f.metric === undefined) throw new UsageError(t('err.alertRemoveWhat'));
      body = { ...(await targets(ctx, args, f, false)), ...(await ruleKey(f, t, false)) };
    }
    const result = await (
      await ctx.client()
    ).call('alerts.remove', { body, idempotencyKey: f.idempotencyKey ?? randomUUID() });
    ctx.note(result.removed ? t('msg.alertsRemoved', { count: result.removed }) : t('msg.alertsNoneRemoved'));
    if (await formatAsked(ctx))
      await ctx.printObject(result, [
        { key: 'removed', header: t('col.removed'), kind: 'number' },
        { key: 'ids', header: t('col.id'), kind: 'list' },
      ]);
  });
}

/** The options that name a rule's key: metric, threshold or value, period. */
function addRuleOptions(cmd: Command, ctx: Context): void {
  const t = ctx.t;
  cmd
    .option('--group <group>', t('opt.alertGroup'))
    .option('--metric <metric>', t('opt.alertMetric'))
    .option('--threshold <percent>', t('opt.alertThreshold'))
    .option('--of-limit', t('opt.alertOfLimit'))
    .option('--value <amount>', t('opt.alertValue'))
    .option('--period <period>', t('opt.alertPeriod'), 'month');
}

async function requireMetric(text: string, t: Translate): Promise<AlertMetric> {
  const { isAlertMetric } = await import('../../domain/alerts.js');
  const m = text.trim().toLowerCase();
  if (!isAlertMetric(m)) throw new UsageError(t('err.alertMetric', { value: text }));
  return m;
}

/**
 * The rule's key from the flags: `--threshold 80%` (a percentage of the limit, or of the allowance; with
 * or without `--of-limit`, which says so) or `--value N` (rubles for spend, else MB, minutes, SMS).
 */
async function ruleKey(f: AlertFlags, t: Translate, forSet: boolean): Promise<AlertKey> {
  if (f.metric === undefined) throw new UsageError(t('err.alertMetricNeeded'));
  const metric = await requireMetric(f.metric, t);
  const { isAlertPeriod, parseCount, parsePercent } = await import('../../domain/alerts.js');
  const period = (f.period ?? 'month').trim().toLowerCase();
  if (!isAlertPeriod(period)) throw new UsageError(t('err.alertPeriod', { value: f.period ?? '' }));
  if ((f.threshold === undefined) === (f.value === undefined) || (f.ofLimit && f.value !== undefined))
    throw new UsageError(t(forSet ? 'err.alertThresholdOrValue' : 'err.alertRemoveWhat'));
  if (f.threshold !== undefined) {
    const pct = parsePercent(f.threshold);
    if (pct === undefined) throw new UsageError(t('err.alertPercent', { value: f.threshold }));
    return { metric, period, threshold: pct, ofLimit: true };
  }
  const text = f.value as string;
  let value: number | undefined;
  if (metric === 'spend') {
    const { positiveMoneyReader } = await import('../command-options.js');
    value = (await positiveMoneyReader())(text);
  } else value = parseCount(text);
  if (value === undefined)
    throw new UsageError(t(metric === 'spend' ? 'err.badAmount' : 'err.alertCount', { value: text }));
  return { metric, period, threshold: value, ofLimit: false };
}

async function channels(text: string, t: Translate): Promise<AlertChannel[]> {
  const { isAlertChannel } = await import('../../domain/alerts.js');
  const list = [
    ...new Set(
      text
        .split(',')
        .map((c) => c.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  const bad = list.find((c) => !isAlertChannel(c));
  if (bad !== undefined || list.length === 0)
    throw new UsageError(t('err.alertNotify', { value: bad ?? text }));
  return list as AlertChannel[];
}

/**
 * Numbers (arguments and --file, read and checked whole by the one number reader before anything is
 * sent) or a group (--group): one or the other.
 */
async function targets(
  ctx: Context,
  numbers: string[],
  f: AlertFlags,
  forSet: boolean,
): Promise<{ numbers: string[]; group?: undefined } | { group: string; numbers?: undefined }> {
  const t = ctx.t;
  const named = numbers.length > 0 || (f.file?.length ?? 0) > 0;
  if (named === (f.group !== undefined))
    throw new UsageError(t(forSet ? 'err.alertTargets' : 'err.alertRemoveWhat'));
  if (f.group !== undefined) return { group: f.group };
  const { readTargets, formatRowErrors } = await import('../input/number-list.js');
  const read = await readTargets(
    numbers,
    f.file ?? [],
    { column: f.column, skipInvalid: f.skipInvalid, t },
    ctx.io.stdin,
  );
  if (read.errorCount > 0) {
    ctx.io.stderr.write(`${formatRowErrors(read.errors, read.errorCount, t)}\n`);
    ctx.note(t('change.skippedInvalid', { count: read.errorCount }));
  }
  if (read.rows.length === 0) throw new UsageError(t('change.noTargets'));
  return { numbers: read.rows.map((r) => r.msisdn) };
}

/** Did the run ask for a format (then the result goes to stdout; else only the note on stderr)? */
async function formatAsked(ctx: Context): Promise<boolean> {
  const { formatAsked: asked } = await import('../output/format.js');
  return asked({ ...ctx.opts, output: ctx.opts.format });
}

/** What a set did, said on stderr: the rule in words, on how many, new or replaced (or would, in a dry run). */
async function sayRule(ctx: Context, r: AlertSetResult, group: string | undefined): Promise<void> {
  const t = ctx.t;
  const threshold = (await thresholdFormatter(ctx, 'table'))(r);
  const rule = t(r.period === 'day' ? 'alerts.ruleDay' : 'alerts.ruleMonth', {
    metric: r.metric,
    threshold,
    action: r.action,
    notify: r.notify.join(', '),
  });
  const where =
    group !== undefined ? t('alerts.onGroup', { group }) : t('alerts.onNumbers', { count: r.targets });
  ctx.note(
    t(r.dryRun ? 'msg.alertDryRun' : 'msg.alertSet', {
      rule,
      where,
      created: r.created,
      replaced: r.replaced,
    }),
  );
}

/**
 * Words a threshold for people (the table: `80% of the limit`, `RUB 1,500.00`, `1,500 MB`) or for
 * machines (`80%`, `1500.00`, `1500`, with the unit in a column of its own).
 */
async function thresholdFormatter(
  ctx: Context,
  format: OutputFormat,
): Promise<(r: Pick<AlertRule, 'metric' | 'threshold' | 'ofLimit'>) => string> {
  const t = ctx.t;
  const { formatMoney, formatMoneyPlain } = await import('../../domain/money.js');
  const human = format === 'table';
  const numbers = new Intl.NumberFormat(ctx.lang === 'ru' ? 'ru-RU' : 'en-US');
  return (r) => {
    if (r.ofLimit)
      return human
        ? t(r.metric === 'spend' ? 'alerts.ofLimit' : 'alerts.ofAllowance', { percent: r.threshold })
        : `${r.threshold}%`;
    if (r.metric === 'spend')
      return human ? formatMoney(r.threshold, ctx.lang) : formatMoneyPlain(r.threshold);
    if (!human) return String(r.threshold);
    const key = r.metric === 'data' ? 'alerts.mb' : r.metric === 'minutes' ? 'alerts.minutes' : 'alerts.sms';
    return t(key, { n: numbers.format(r.threshold) });
  };
}

/** The columns of `vm alerts list`: the threshold in words in the table, its number and unit for machines. */
async function ruleColumns(ctx: Context): Promise<Column<AlertRule>[]> {
  const t = ctx.t;
  const threshold = await thresholdFormatter(ctx, await ctx.format());
  return [
    { key: 'id', header: t('col.id') },
    { key: 'msisdn', header: t('col.number') },
    { key: 'groupId', header: t('col.group') },
    { key: 'metric', header: t('col.metric') },
    { key: 'threshold', header: t('col.threshold'), get: threshold },
    { key: 'unit', header: t('col.unit'), get: unitOf, inTable: false },
    { key: 'period', header: t('col.period') },
    { key: 'action', header: t('col.action') },
    { key: 'notify', header: t('col.notify'), kind: 'list' },
    { key: 'setBy', header: t('col.setBy'), freeText: true, dropRank: 1 },
    { key: 'setAt', header: t('col.setAt'), kind: 'time', dropRank: 2 },
  ];
}

/** The unit of a threshold for machines: `%`, `RUB`, `MB`, `min`, `sms`. */
function unitOf(r: Pick<AlertRule, 'metric' | 'ofLimit'>): string {
  if (r.ofLimit) return '%';
  return r.metric === 'spend' ? 'RUB' : r.metric === 'data' ? 'MB' : r.metric === 'minutes' ? 'min' : 'sms';
}

function setColumns(t: Translate): Column<AlertSetResult>[] {
  return [
    { key: 'dryRun', header: t('col.dryRun'), kind: 'bool' },
    { key: 'metric', header: t('col.metric') },
    { key: 'threshold', header: t('col.threshold'), kind: 'number' },
    { key: 'ofLimit', header: t('col.ofLimit'), kind: 'bool' },
    { key: 'period', header: t('col.period') },
    { key: 'action', header: t('col.action') },
    { key: 'notify', header: t('col.notify'), kind: 'list' },
    { key: 'targets', header: t('col.targets'), kind: 'number' },
    { key: 'created', header: t('col.createdCount'), kind: 'number' },
    { key: 'replaced', header: t('col.replaced'), kind: 'number' },
    { key: 'ids', header: t('col.id'), kind: 'list' },
  ];
}

/**
 * The thresholds on a limit as one cell (`vm limits list`): `50%, 80% block, RUB 1,500.00/day` in the
 * table, `50%,80% block,1500.00/day` for machines. Loaded by the limits command when it lists.
 */
export async function limitAlertsCell(ctx: Context): Promise<(alerts: LimitAlert[] | undefined) => string[]> {
  const t = ctx.t;
  const threshold = await thresholdFormatter(ctx, await ctx.format());
  return (alerts) =>
    (alerts ?? []).map((a) => {
      const text = a.ofLimit
        ? `${a.threshold}%`
        : threshold({ metric: 'spend', threshold: a.threshold, ofLimit: false });
      return `${text}${a.period === 'day' ? t('alerts.perDay') : ''}${a.action === 'block' ? ' block' : ''}`;
    });
}
