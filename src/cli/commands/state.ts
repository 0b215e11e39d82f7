import type { OperationCreateBody } from '../../api/operations.js';
import type { Command } from 'commander';
import type { Operation } from '../../api/operations.js';
import type { FieldChange } from '../../domain/desired-state.js';
import type { Context } from '../context.js';
import { reportOutcome, waitForOperation } from '../changes/index.js';
import { idempotencyKeyOption, withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

const STATE_COLUMNS = ['tariff', 'services', 'service', 'blocked', 'group'];

/** vm plan / vm apply: converge numbers to a desired-state CSV (tariff, services, blocked, group per number). */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  withExamples(
    program
      .command('plan <file>')
      .description(t('cmd.plan'))
      .option('--column <name>', t('opt.column'))
      .option('--skip-invalid', t('opt.skipInvalid')),
    t,
    ['vm plan state.csv', 'vm plan state.csv --json > diff.json'],
  ).action(async (file: string, _o, cmd: Command) => {
    const o = ctx.use<{ column?: string; skipInvalid?: boolean }>(cmd);
    const diff = await computeDiff(ctx, file, o);
    await printDiff(ctx, diff.changes, diff.monthlyDelta, diff.steps.length);
  });

  withExamples(
    program
      .command('apply <file>')
      .description(t('cmd.apply'))
      .option('--column <name>', t('opt.column'))
      .option('--skip-invalid', t('opt.skipInvalid'))
      .option('-y, --yes', t('opt.yes'))
      .addOption(idempotencyKeyOption(ctx)),
    t,
    ['vm apply state.csv --yes', 'vm apply state.csv --idempotency-key weekly-2026-48 --yes'],
  ).action(async (file: string, _o, cmd: Command) => {
    const o = ctx.use<{ column?: string; skipInvalid?: boolean; yes?: boolean; idempotencyKey?: string }>(
      cmd,
    );
    const diff = await computeDiff(ctx, file, o);
    if (diff.steps.length === 0) {
      ctx.note(t('state.converged'));
      return;
    }
    await printDiff(ctx, diff.changes, diff.monthlyDelta, diff.steps.length);
    const question = () => t('state.confirm', { count: diff.changes.length, steps: diff.steps.length });
    const refusal = t('change.needsYes', { count: diff.changes.length, type: 'apply' });
    if (!o.yes && !(await ctx.confirm(question, refusal))) return;
    const { randomUUID } = await import('node:crypto');
    const key = o.idempotencyKey ?? randomUUID();
    const client = await ctx.client();
    const done: Operation[] = [];
    // Steps run one after another: a removed service must be gone before a tariff that excludes it.
    for (const [i, step] of diff.steps.entries()) {
      const op = await client.call('operations.create', {
        // The planner pairs each step's type with its parameters (domain/desired-state.ts); the domain does
        // not know the contract's union of body shapes, and the backend validates the body against it.
        body: step as OperationCreateBody,
        idempotencyKey: `${key}:${i + 1}`,
      });
      ctx.note(t('change.submitted', { id: op.id, count: op.total }) + ` ${step.type}`);
      done.push(await waitForOperation(ctx, client, op));
    }
    await reportOutcome(ctx, client, done);
  });
}

async function computeDiff(ctx: Context, file: string, o: { column?: string; skipInvalid?: boolean }) {
  const t = ctx.t;
  const { readTargets, formatRowErrors, TargetsInputError } = await import('../input/number-list.js');
  const { diffState, parseServiceList, parseYesNo } = await import('../../domain/desired-state.js');
  const read = await readTargets(
    [],
    [file],
    { column: o.column, skipInvalid: o.skipInvalid, paramColumns: STATE_COLUMNS },
    ctx.io.stdin,
  );
  const errors = read.errors.slice();
  const desired = [];
  for (const row of read.rows) {
    const where = `${row.source}:${row.line}`;
    const blocked = parseYesNo(row.params.blocked);
    if (blocked === null) {
      errors.push({
        source: row.source,
        line: row.line,
        value: row.params.blocked ?? '',
        reason: t('state.badBlocked', { value: row.params.blocked ?? '' }),
      });
      continue;
    }
    desired.push({
      msisdn: row.msisdn,
      tariff: row.params.tariff,
      services: parseServiceList(row.params.services ?? row.params.service),
      blocked,
      group: row.params.group,
      where,
    });
  }
  const client = await ctx.client();
  const current = new Map<
    string,
    { msisdn: string; tariff: string; services: string[]; status: string; groupId: string }
  >();
  for await (const n of client.paginate('numbers.list')) current.set(n.msisdn, n);
  const fees = {
    tariffs: new Map<string, number>(),
    services: new Map<string, number>(),
  };
  for await (const x of client.paginate('tariffs.list')) fees.tariffs.set(x.code, x.monthlyFee);
  for await (const x of client.paginate('services.list')) fees.services.set(x.code, x.monthlyFee);
  const diff = diffState(desired, current, {
    tariff: (c) => fees.tariffs.get(c) ?? 0,
    service: (c) => fees.services.get(c) ?? 0,
  });
  for (const u of diff.unknown) {
    const [source, line] = [
      u.where.slice(0, u.where.lastIndexOf(':')),
      Number(u.where.slice(u.where.lastIndexOf(':') + 1)),
    ];
    errors.push({ source, line, value: u.msisdn, reason: t('state.unknownNumber', { msisdn: u.msisdn }) });
  }
  if (errors.length > read.errors.length || (read.errorCount > 0 && !o.skipInvalid)) {
    const extra = errors.length - read.errors.length;
    if (!o.skipInvalid)
      throw new TargetsInputError(
        formatRowErrors(errors, read.errorCount + extra),
        errors,
        read.errorCount + extra,
      );
    ctx.io.stderr.write(`${formatRowErrors(errors, read.errorCount + extra)}\n`);
  }
  return diff;
}

async function printDiff(
  ctx: Context,
  changes: FieldChange[],
  monthlyDelta: number,
  steps: number,
): Promise<void> {
  const t = ctx.t;
  const columns: Column<FieldChange>[] = [
    { key: 'msisdn', header: t('col.msisdn') },
    { key: 'field', header: t('col.field') },
    { key: 'now', header: t('col.now') },
    { key: 'after', header: t('col.after') },
    { key: 'monthlyDelta', header: t('col.delta'), kind: 'money' },
  ];
  await ctx.printRows(changes, columns, false);
  const { formatMoney } = await import('../../domain/money.js');
  ctx.note(
    changes.length === 0
      ? t('state.converged')
      : t('state.totals', {
          changes: changes.length,
          numbers: new Set(changes.map((c) => c.msisdn)).size,
          steps,
          delta: formatMoney(monthlyDelta, ctx.lang),
        }),
  );
}
