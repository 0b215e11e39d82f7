import fs from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Webhook, WebhookDelivery, WebhookTestResult } from '../../api/webhooks.js';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { limitOption, take, withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

interface CreateOptions {
  url: string;
  events: string;
  secretStdin?: boolean;
  description?: string;
}

interface VerifyOptions {
  secretStdin?: boolean;
  file?: string;
  tolerance?: number;
}

/** One attempt of a delivery, as `vm webhooks deliveries` lists them (a delivery not tried yet: one row). */
interface AttemptRow {
  time: string;
  id: string;
  eventId: number;
  eventType: string;
  state: string;
  attempt: number | null;
  status: number | null;
  latencyMs: number | null;
  error: string | null;
  nextAttemptAt: string | null;
}

/** vm webhooks: subscriptions that POST events to a URL, signed as Standard Webhooks say. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const webhooks = withExamples(program.command('webhooks').description(t('cmd.webhooks')), t, [
    'vm webhooks create --url https://hooks.example.com/vm --events operation.finished,limit.*',
    'vm webhooks deliveries wh_0123456789abcdef',
    'vm help webhooks',
  ]);

  withExamples(
    webhooks
      .command('create')
      .description(t('cmd.webhooks.create'))
      .requiredOption('--url <url>', t('opt.webhookUrl'))
      .requiredOption('--events <types>', t('opt.webhookEvents'))
      .option('--secret-stdin', t('opt.webhookSecretStdin'))
      .option('--description <text>', t('opt.webhookDescription')),
    t,
    [
      "vm webhooks create --url https://hooks.example.com/vm --events 'operation.finished,limit.*'",
      "printf '%s' \"$WHSEC\" | vm webhooks create --url https://hooks.example.com/vm --events 'line.*' --secret-stdin",
      'vm webhooks create --url http://127.0.0.1:8080/hook --events "*" --description "local test" --json',
    ],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<CreateOptions>(cmd);
    const { parseTypePatterns } = await import('../../domain/events.js');
    const events = o.events
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const parsed = parseTypePatterns(events.join(','));
    if ('unknown' in parsed || events.length === 0) {
      throw new UsageError(t('err.webhookEvents', { type: 'unknown' in parsed ? parsed.unknown : o.events }));
    }
    let secret: string | undefined;
    if (o.secretStdin) {
      secret = (await readStdin(ctx)).trim();
      await requireSecret(secret, ctx);
    }
    const created = await (
      await ctx.client()
    ).call('webhooks.create', { body: { url: o.url, events, description: o.description, secret } });
    const format = await ctx.format();
    if (format === 'json' || format === 'jsonl') {
      await ctx.printObject(created, []);
      return;
    }
    if (secret === undefined) {
      ctx.note(t('msg.webhookCreatedSecret', { id: created.webhook.id, url: created.webhook.url }));
      ctx.io.stdout.write(`${created.secret}\n`);
      return;
    }
    ctx.note(t('msg.webhookCreated', { id: created.webhook.id, url: created.webhook.url }));
    await ctx.printObject(created.webhook, webhookColumns(ctx));
  });

  withExamples(webhooks.command('list').description(t('cmd.webhooks.list')).addOption(limitOption(ctx)), t, [
    'vm webhooks list',
    'vm webhooks list --json',
  ]).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ limit?: number }>(cmd);
    const client = await ctx.client();
    await ctx.printRows(take(client.paginate('webhooks.list'), o.limit), webhookColumns(ctx));
  });

  withExamples(webhooks.command('show <id>').description(t('cmd.webhooks.show')), t, [
    'vm webhooks show wh_0123456789abcdef',
    'vm webhooks show wh_0123456789abcdef --json',
  ]).action(async (id: string, _o, cmd: Command) => {
    ctx.use(cmd);
    const webhook = await (await ctx.client()).call('webhooks.show', { params: { id } });
    await ctx.printObject(webhook, webhookColumns(ctx));
  });

  withExamples(webhooks.command('remove <id>').description(t('cmd.webhooks.remove')), t, [
    'vm webhooks remove wh_0123456789abcdef',
    'vm webhooks list --fields id -o tsv | tail -n +2 | xargs -n1 vm webhooks remove',
  ]).action(async (id: string, _o, cmd: Command) => {
    ctx.use(cmd);
    await (await ctx.client()).call('webhooks.remove', { params: { id } });
    ctx.note(t('msg.webhookRemoved', { id }));
  });

  withExamples(webhooks.command('resume <id>').description(t('cmd.webhooks.resume')), t, [
    'vm webhooks resume wh_0123456789abcdef',
    'vm webhooks resume wh_0123456789abcdef --json',
  ]).action(async (id: string, _o, cmd: Command) => {
    ctx.use(cmd);
    const webhook = await (await ctx.client()).call('webhooks.resume', { params: { id } });
    ctx.note(t('msg.webhookResumed', { id }));
    await ctx.printObject(webhook, webhookColumns(ctx));
  });

  withExamples(webhooks.command('test <id>').description(t('cmd.webhooks.test')), t, [
    'vm webhooks test wh_0123456789abcdef',
    'vm webhooks test wh_0123456789abcdef --json | jq .latencyMs',
  ]).action(async (id: string, _o, cmd: Command) => {
    ctx.use(cmd);
    const result = await (await ctx.client()).call('webhooks.test', { params: { id } });
    const columns: Column<WebhookTestResult>[] = [
      { key: 'ok', header: t('col.delivered'), kind: 'bool' },
      { key: 'status', header: t('col.status'), kind: 'number' },
      { key: 'latencyMs', header: t('col.latencyMs'), kind: 'number' },
      { key: 'error', header: t('col.error'), freeText: true },
    ];
    await ctx.printObject(result, columns);
    // A receiver that did not take it is a failed command: scripts check the exit code.
    if (!result.ok) ctx.setExitCode(1);
  });

  withExamples(
    webhooks
      .command('deliveries <id>')
      .description(t('cmd.webhooks.deliveries'))
      .addOption(
        new Option('--state <state>', t('opt.webhookDeliveryState')).choices([
          'pending',
          'delivered',
          'failed',
          'skipped',
        ]),
      )
      .addOption(limitOption(ctx)),
    t,
    [
      'vm webhooks deliveries wh_0123456789abcdef',
      'vm webhooks deliveries wh_0123456789abcdef --state failed --csv > failed.csv',
      'vm webhooks deliveries wh_0123456789abcdef --jsonl | jq .attempts',
    ],
  ).action(async (id: string, _o, cmd: Command) => {
    const o = ctx.use<{ state?: 'pending' | 'delivered' | 'failed' | 'skipped'; limit?: number }>(cmd);
    const client = await ctx.client();
    const deliveries = take(
      client.paginate('webhooks.deliveries', { state: o.state }, Math.min(o.limit ?? 100, 1000), { id }),
      o.limit,
    );
    const format = await ctx.format();
    // JSON keeps the API's deliveries whole (attempts inside); a table or TSV has a row per attempt.
    if (format === 'json' || format === 'jsonl') {
      await ctx.printRows(deliveries, deliveryColumns(ctx));
      return;
    }
    await ctx.printRows(attemptRows(deliveries), attemptColumns(ctx));
  });

  withExamples(webhooks.command('redeliver <delivery-id>').description(t('cmd.webhooks.redeliver')), t, [
    'vm webhooks redeliver msg_5f0c2d1e9a8b4c7d8e9f0a1b2c3d4e5f',
    'vm webhooks deliveries wh_0123456789abcdef --state failed --fields id -o tsv | tail -n +2 | xargs -n1 vm webhooks redeliver',
  ]).action(async (deliveryId: string, _o, cmd: Command) => {
    ctx.use(cmd);
    const d = await (await ctx.client()).call('webhooks.redeliver', { params: { id: deliveryId } });
    ctx.note(t('msg.webhookRedelivered', { id: d.id, event: d.eventType }));
    const format = await ctx.format();
    if (format === 'json' || format === 'jsonl') await ctx.printObject(d, []);
  });

  withExamples(
    webhooks
      .command('verify')
      .description(t('cmd.webhooks.verify'))
      .option('--secret-stdin', t('opt.webhookVerifySecretStdin'))
      .option('--file <delivery>', t('opt.webhookVerifyFile'))
      .option('--tolerance <seconds>', t('opt.webhookTolerance'), (v) => {
        const n = Number(v);
        if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n))
          throw new InvalidArgumentError(t('err.badTolerance', { value: v }));
        return n;
      }),
    t,
    [
      'vm webhooks verify --secret-stdin --file delivery.http < secret.txt',
      'VM_WEBHOOK_SECRET="$WHSEC" vm webhooks verify < delivery.http | jq .data',
      'vm webhooks verify --secret-stdin --file delivery.json --tolerance 3600 < secret.txt',
    ],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<VerifyOptions>(cmd);
    await verify(ctx, o);
  });
}

/** Checks a saved delivery's signature: exit 0 with the body on stdout, or exit 1 saying why not. */
async function verify(ctx: Context, o: VerifyOptions): Promise<void> {
  const t = ctx.t;
  const { parseSavedDelivery, secretKey, verifyDelivery, DEFAULT_TOLERANCE_SECONDS } =
    await import('../../domain/webhook-signature.js');
  const fromStdin = o.file === undefined || o.file === '-';
  if (o.secretStdin && fromStdin) throw new UsageError(t('err.webhookVerifyBothStdin'));
  let secret: string;
  if (o.secretStdin) secret = (await readStdin(ctx)).trim();
  else if (ctx.env.VM_WEBHOOK_SECRET) secret = ctx.env.VM_WEBHOOK_SECRET.trim();
  else throw new UsageError(t('err.webhookVerifyNoSecret'));
  await requireSecret(secret, ctx);
  const key = secretKey(secret) as Buffer;
  const name = fromStdin ? 'stdin' : (o.file as string);
  let text: string;
  try {
    text = fromStdin ? await readStdin(ctx) : fs.readFileSync(o.file as string, 'utf8');
  } catch (err) {
    throw new CliError(t('input.cannotRead', { file: name, reason: (err as Error).message }), 2);
  }
  const saved = parseSavedDelivery(text);
  if (!saved) throw new UsageError(t('err.webhookNotADelivery', { file: name }));
  const tolerance = o.tolerance ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor(Date.now() / 1000);
  const check = (body: string) =>
    verifyDelivery(key, saved.headers, body, { now, toleranceSeconds: tolerance });
  let result = check(saved.body);
  // An editor or `echo` may have added a line break after the body: the body as sent had none.
  if (!result.ok && result.reason === 'bad_signature' && /\r?\n$/.test(saved.body))
    result = check(saved.body.replace(/\r?\n$/, ''));
  if (result.ok) {
    ctx.note(t('msg.webhookValid', { id: result.id, time: new Date(result.timestamp * 1000).toISOString() }));
    ctx.io.stdout.write(saved.body.endsWith('\n') ? saved.body : `${saved.body}\n`);
    return;
  }
  const why =
    result.reason === 'missing_header'
      ? t('verify.missingHeader', { header: result.header })
      : result.reason === 'bad_timestamp'
        ? t('verify.badTimestamp')
        : result.reason === 'timestamp_too_old'
          ? t('verify.tooOld', { skew: result.skewSeconds, tolerance })
          : result.reason === 'timestamp_too_new'
            ? t('verify.tooNew', { skew: result.skewSeconds, tolerance })
            : t('verify.badSignature');
  throw new CliError(t('err.webhookInvalid', { why }), 1);
}

/** A secret as the specification has it, or exit 2 saying what is wrong with it (never the secret). */
async function requireSecret(secret: string, ctx: Context): Promise<void> {
  const { secretKey } = await import('../../domain/webhook-signature.js');
  const key = secretKey(secret);
  if (!Buffer.isBuffer(key)) throw new UsageError(ctx.t(`err.webhookSecret.${key.problem}`));
}

async function readStdin(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.io.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function webhookColumns(ctx: Context): Column<Webhook>[] {
  const t = ctx.t;
  return [
    { key: 'id', header: t('col.id') },
    { key: 'url', header: t('col.url'), freeText: true },
    { key: 'events', header: t('col.events'), kind: 'list' },
    { key: 'state', header: t('col.state') },
    { key: 'pausedReason', header: t('col.reason'), dropRank: 2 },
    { key: 'pending', header: t('col.pending'), kind: 'number' },
    { key: 'failed', header: t('col.failed'), kind: 'number' },
    { key: 'lastDeliveryAt', header: t('col.lastDelivery'), kind: 'time', dropRank: 1 },
    { key: 'createdBy', header: t('col.createdBy'), freeText: true, inTable: false },
    { key: 'createdAt', header: t('col.created'), kind: 'time', inTable: false },
    { key: 'pausedAt', header: t('col.pausedAt'), kind: 'time', inTable: false },
    { key: 'description', header: t('col.description'), freeText: true, inTable: false },
  ];
}

/** The API's fields of a delivery (JSON keeps it whole; --fields picks among these). */
function deliveryColumns(ctx: Context): Column<WebhookDelivery>[] {
  const t = ctx.t;
  return [
    { key: 'id', header: t('col.delivery') },
    { key: 'webhookId', header: t('col.id') },
    { key: 'eventId', header: t('col.event'), kind: 'number' },
    { key: 'eventType', header: t('col.type') },
    { key: 'state', header: t('col.state') },
    { key: 'createdAt', header: t('col.created'), kind: 'time' },
    { key: 'nextAttemptAt', header: t('col.nextAttempt'), kind: 'time' },
    { key: 'attempts', header: t('col.attempt'), get: (d) => d.attempts.length, kind: 'number' },
  ];
}

function attemptColumns(ctx: Context): Column<AttemptRow>[] {
  const t = ctx.t;
  return [
    { key: 'time', header: t('col.time'), kind: 'time' },
    { key: 'id', header: t('col.delivery') },
    { key: 'eventId', header: t('col.event'), kind: 'number' },
    { key: 'eventType', header: t('col.type') },
    { key: 'attempt', header: t('col.attempt'), kind: 'number' },
    { key: 'status', header: t('col.status'), kind: 'number' },
    { key: 'latencyMs', header: t('col.latencyMs'), kind: 'number' },
    { key: 'error', header: t('col.error'), freeText: true },
    { key: 'state', header: t('col.state') },
    { key: 'nextAttemptAt', header: t('col.nextAttempt'), kind: 'time', dropRank: 1 },
  ];
}

/** A row per attempt, newest delivery first and its attempts oldest first; a delivery not tried yet: one row. */
async function* attemptRows(deliveries: AsyncIterable<WebhookDelivery>): AsyncGenerator<AttemptRow> {
  for await (const d of deliveries) {
    const base = { id: d.id, eventId: d.eventId, eventType: d.eventType, state: d.state };
    if (d.attempts.length === 0) {
      yield {
        ...base,
        time: d.createdAt,
        attempt: null,
        status: null,
        latencyMs: null,
        error: null,
        nextAttemptAt: d.nextAttemptAt,
      };
      continue;
    }
    const last = d.attempts.length - 1;
    for (const [i, a] of d.attempts.entries()) {
      yield {
        ...base,
        time: a.time,
        attempt: a.attempt,
        status: a.status,
        latencyMs: a.latencyMs,
        error: a.error,
        nextAttemptAt: i === last ? d.nextAttemptAt : null,
      };
    }
  }
}
