import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Group } from '../api/lines.js';
import type { Target } from '../api/operations.js';
import type { MsisdnError } from '../domain/msisdn.js';
import type { Context } from './context.js';
import { reportOutcome, waitForOperation, type ChangeFlags } from './changes/index.js';
import type { RowError } from './input/number-list.js';

const PATH_HEADERS = ['path', 'group', 'group path', 'путь', 'группа', 'подразделение'];

/**
 * `vm groups import tree.csv`: a CSV with a `path` column (HQ/Sales/North) and, optionally, a number
 * column. Missing groups along each path are created (by name, under their parent); the numbers are then
 * moved into their groups by one group.move operation. Every row is validated before anything changes.
 */
export async function importGroupTree(ctx: Context, file: string, flags: ChangeFlags): Promise<void> {
  const t = ctx.t;
  const { decodeText } = await import('./input/decode.js');
  const { detectDelimiter, findNumberColumn, normalizeHeader } = await import('./input/header.js');
  const { formatRowErrors, msisdnMessage, readFailure, TargetsInputError } =
    await import('./input/input-error.js');
  const { parse } = await import('csv-parse/sync');
  const { parseMsisdn } = await import('../domain/msisdn.js');
  let text = '';
  try {
    for await (const chunk of decodeText(fs.createReadStream(file))) text += chunk;
  } catch (err) {
    throw new TargetsInputError(t('input.cannotRead', { file, reason: readFailure(err, t) }));
  }
  text = text.replace(/^\ufeff/, '');
  const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const records = parse(text, {
    delimiter: detectDelimiter(firstLine) ?? ',',
    relax_column_count: true,
    skip_empty_lines: false,
    trim: true,
  }) as string[][];
  const header = (records[0] ?? []).map(normalizeHeader);
  const pathColumn = header.findIndex((h) => PATH_HEADERS.includes(h));
  if (pathColumn < 0) throw new TargetsInputError(t('groups.noPathColumn', { file }));
  const numberColumn = findNumberColumn(header);
  const errors: RowError[] = [];
  const paths = new Map<string, string[]>();
  const moves: { msisdn: string; path: string; line: number }[] = [];
  records.slice(1).forEach((cells, i) => {
    const line = i + 2;
    if (cells.every((c) => c === '')) return;
    const segments = (cells[pathColumn] ?? '')
      .split('/')
      .map((x) => x.trim())
      .filter(Boolean);
    if (segments.length === 0) {
      errors.push({ source: file, line, value: '', reason: t('groups.emptyPath') });
      return;
    }
    const key = segments.map((x) => x.toLowerCase()).join('/');
    paths.set(key, segments);
    const number = numberColumn >= 0 ? (cells[numberColumn] ?? '') : '';
    if (number !== '') {
      try {
        moves.push({ msisdn: parseMsisdn(number), path: key, line });
      } catch (err) {
        errors.push({ source: file, line, value: number, reason: msisdnMessage(err as MsisdnError, t) });
      }
    }
  });
  if (errors.length)
    throw new TargetsInputError(formatRowErrors(errors, errors.length, t), errors, errors.length);

  const client = await ctx.client();
  const existing: Group[] = [];
  for await (const g of client.paginate('groups.list')) existing.push(g);
  const idByPath = new Map(existing.map((g) => [g.path.toLowerCase(), g.id]));
  const toCreate: string[][] = [];
  for (const segments of [...paths.values()].sort((a, b) => a.length - b.length)) {
    for (let depth = 1; depth <= segments.length; depth++) {
      const prefix = segments.slice(0, depth);
      const key = prefix.map((x) => x.toLowerCase()).join('/');
      if (!idByPath.has(key) && !toCreate.some((c) => c.map((x) => x.toLowerCase()).join('/') === key))
        toCreate.push(prefix);
    }
  }
  ctx.note(t('groups.importPlan', { create: toCreate.length, move: moves.length }));
  for (const c of toCreate) ctx.note(`  + ${c.join('/')}`);
  if (flags.dryRun) return;
  const refusal = t('change.needsYes', { count: toCreate.length + moves.length, type: 'groups import' });
  if (!flags.yes && !(await ctx.confirm(() => t('groups.importConfirm'), refusal))) return;
  for (const segments of toCreate) {
    const parentKey = segments
      .slice(0, -1)
      .map((x) => x.toLowerCase())
      .join('/');
    const created = await client.call('groups.create', {
      body: {
        name: segments[segments.length - 1] as string,
        ...(parentKey ? { parent: idByPath.get(parentKey) } : {}),
      },
    });
    idByPath.set(segments.map((x) => x.toLowerCase()).join('/'), created.id);
  }
  if (moves.length === 0) return;
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const m of moves) {
    if (seen.has(m.msisdn)) continue;
    seen.add(m.msisdn);
    targets.push({ msisdn: m.msisdn, params: { group: idByPath.get(m.path) as string } });
  }
  const op = await client.call('operations.create', {
    body: { type: 'group.move', params: {}, targets },
    idempotencyKey: flags.idempotencyKey ?? randomUUID(),
  });
  ctx.note(t('change.submitted', { id: op.id, count: op.total }));
  await reportOutcome(ctx, client, [await waitForOperation(ctx, client, op)]);
}
