import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Appeal, AppealSummary } from '../../api/appeals.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { limitOption, take, withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

/** vm appeal create|list|show|reply|attachment: complaints, suggestions and questions to the operator. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const appeal = withExamples(program.command('appeal').description(t('cmd.appeal')), t, [
    'vm appeal create --type complaint --subject "No signal in the warehouse" --text-file letter.txt --attach photo.jpg',
    'vm appeal list --status answered',
  ]);

  withExamples(
    appeal
      .command('create')
      .description(t('cmd.appeal.create'))
      .addOption(
        new Option('--type <type>', t('opt.appealType'))
          .choices(['complaint', 'suggestion', 'question'])
          .makeOptionMandatory(),
      )
      .requiredOption('--subject <text>', t('opt.appealSubject'))
      .option('--text <text>', t('opt.appealText'))
      .option('--text-file <file>', t('opt.appealTextFile'))
      .option('--number <number>', t('opt.appealNumber'))
      .option('--attach <files...>', t('opt.appealAttach')),
    t,
    [
      'vm appeal create --type question --subject "Roaming in Turkey" --text "Which tariff fits?"',
      'vm appeal create --type complaint --subject "Dropped calls" --number +79161234567 --text-file complaint.txt --attach log.txt',
    ],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{
      type: 'complaint' | 'suggestion' | 'question';
      subject: string;
      text?: string;
      textFile?: string;
      number?: string;
      attach?: string[];
    }>(cmd);
    if (Boolean(o.text) === Boolean(o.textFile)) throw new UsageError(t('err.appealText'));
    const { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS } = await import('../../api/appeals.js');
    const text = o.text ?? readFile(ctx, o.textFile as string).toString('utf8');
    const files = o.attach ?? [];
    // Everything is checked here first: nothing is sent when one file is wrong.
    if (files.length > MAX_ATTACHMENTS)
      throw new UsageError(t('err.tooManyAttachments', { max: MAX_ATTACHMENTS }));
    const checked = files.map((file) => {
      let size: number;
      try {
        size = fs.statSync(file).size;
      } catch (err) {
        throw new UsageError(
          t('err.cannotRead', { file, reason: (err as NodeJS.ErrnoException).code ?? String(err) }),
        );
      }
      if (size > MAX_ATTACHMENT_BYTES)
        throw new UsageError(t('err.attachmentTooBig', { file, mb: (size / 2 ** 20).toFixed(1) }));
      return file;
    });
    const client = await ctx.client();
    // Each file travels on its own as raw bytes (POST /v1/uploads); the appeal names them by id.
    const attachments = [];
    for (const file of checked) {
      const up = await client.call('uploads.create', {
        query: { name: path.basename(file) },
        file: readFile(ctx, file),
      });
      attachments.push({ upload: up.id });
    }
    const created = await client.call('appeals.create', {
      body: {
        type: o.type,
        subject: o.subject,
        text,
        ...(o.number ? { number: o.number } : {}),
        attachments,
      },
    });
    ctx.note(t('msg.appealCreated', { id: created.id }));
    await ctx.printObject(created, appealColumns(ctx));
  });

  withExamples(
    appeal
      .command('list')
      .description(t('cmd.appeal.list'))
      .addOption(
        new Option('--status <status>', t('opt.appealStatus')).choices([
          'received',
          'in_progress',
          'answered',
          'closed',
        ]),
      )
      .addOption(limitOption(ctx)),
    t,
    ['vm appeal list', 'vm appeal list --status answered --json'],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ status?: string; limit?: number }>(cmd);
    const columns: Column<AppealSummary>[] = summaryColumns(ctx);
    await ctx.printRows(
      take((await ctx.client()).paginate('appeals.list', { status: o.status }), o.limit),
      columns,
    );
  });

  withExamples(appeal.command('show <id>').description(t('cmd.appeal.show')), t, [
    'vm appeal show ap_1a2b3c',
    'vm appeal show ap_1a2b3c --json',
  ]).action(async (id: string, _o, cmd: Command) => {
    ctx.use(cmd);
    const a = await (await ctx.client()).call('appeals.show', { params: { id } });
    if ((await ctx.format()) !== 'table') return ctx.printObject(a, appealColumns(ctx));
    await ctx.printObject(a, appealColumns(ctx));
    const { formatTime, indentedText, tableCell } = await import('../output/cells.js');
    for (const m of a.thread) {
      const author = tableCell(m.author, 'text', ctx.lang);
      ctx.io.stdout.write(`\n[${formatTime(m.time)}] ${author}:\n${indentedText(m.text)}\n`);
    }
  });

  withExamples(
    appeal
      .command('reply <id>')
      .description(t('cmd.appeal.reply'))
      .requiredOption('--text <text>', t('opt.appealText')),
    t,
    [
      'vm appeal reply ap_1a2b3c --text "The problem is back since Monday"',
      'vm appeal reply ap_1a2b3c --text "Thank you, solved"',
    ],
  ).action(async (id: string, _o, cmd: Command) => {
    const o = ctx.use<{ text: string }>(cmd);
    const a = await (await ctx.client()).call('appeals.reply', { params: { id }, body: { text: o.text } });
    ctx.note(t('msg.appealReplied', { id: a.id, status: a.status }));
  });

  withExamples(
    appeal
      .command('attachment <id> <name>')
      .description(t('cmd.appeal.attachment'))
      .requiredOption('--output <file>', t('opt.appealOutput')),
    t,
    [
      'vm appeal attachment ap_1a2b3c photo.jpg --output photo.jpg',
      'vm appeal attachment ap_1a2b3c log.txt --output /tmp/log.txt',
    ],
  ).action(async (id: string, name: string, _o, cmd: Command) => {
    const o = ctx.use<{ output: string }>(cmd);
    const file = await (await ctx.client()).call('appeals.attachment', { params: { id, name } });
    // Written next to the target and renamed over it: a reader never sees half a file.
    const tmp = `${o.output}.${process.pid}.part`;
    fs.writeFileSync(tmp, Buffer.from(file.contentBase64, 'base64'));
    fs.renameSync(tmp, o.output);
    ctx.note(t('msg.attachmentSaved', { file: o.output, size: file.size }));
  });
}

function readFile(ctx: Context, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new UsageError(
      ctx.t('err.cannotRead', { file, reason: (err as NodeJS.ErrnoException).code ?? String(err) }),
    );
  }
}

function summaryColumns(ctx: Context): Column<AppealSummary>[] {
  const t = ctx.t;
  return [
    { key: 'id', header: t('col.id') },
    { key: 'type', header: t('col.type') },
    { key: 'status', header: t('col.status') },
    { key: 'subject', header: t('col.subject'), freeText: true },
    { key: 'number', header: t('col.msisdn') },
    { key: 'author', header: t('col.createdBy'), freeText: true },
    { key: 'createdAt', header: t('col.created'), kind: 'time' },
    { key: 'updatedAt', header: t('col.time'), kind: 'time' },
  ];
}

function appealColumns(ctx: Context): Column<Appeal>[] {
  const t = ctx.t;
  return [
    ...(summaryColumns(ctx) as Column<Appeal>[]),
    {
      key: 'attachments',
      header: t('col.attachments'),
      kind: 'list',
      get: (a) => a.attachments.map((f) => `${f.name} (${f.size} B)`),
      freeText: true,
    },
    {
      key: 'history',
      header: t('col.history'),
      kind: 'list',
      get: (a) => a.history.map((h) => `${h.time.slice(0, 16).replace('T', ' ')} ${h.status}`),
    },
  ];
}
