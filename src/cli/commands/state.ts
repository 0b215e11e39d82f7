import type { OperationCreateBody } from '../../api/operations.js';
import type { Command } from 'commander';
import type { Operation } from '../../api/operations.js';
import type {
  ConvergeStep,
  CurrentLine,
  Drift,
  FieldChange,
  SavedPlan,
  StateDiff,
} from '../../domain/desired-state.js';
import type { Context } from '../context.js';
import { reportOutcome, waitForOperation } from '../changes/index.js';
import { idempotencyKeyOption, withExamples } from '../command-options.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import type { Column } from '../output/render.js';

const STATE_COLUMNS = ['tariff', 'services', 'service', 'blocked', 'group'];
/** Moved fields a refused saved plan lists; the rest are counted. */
const MAX_LISTED_DRIFT = 50;

/**
 * vm plan / vm apply: converge numbers to a desired-state CSV (tariff, services, blocked, group per number),
 * or carry out a plan saved by `vm plan --out` exactly, if nothing moved since.
 */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  withExamples(
    program
      .command('plan <file>')
      .description(t('cmd.plan'))
      .option('--column <name>', t('opt.column'))
      .option('--skip-invalid', t('opt.skipInvalid'))
      .option('--out <file>', t('opt.planOut'))
      .option('--detailed-exitcode', t('opt.detailedExitcode')),
    t,
    [
      'vm plan state.csv',
      'vm plan state.csv --json > diff.json',
      'vm plan state.csv --out plan.json && vm apply plan.json --yes',
      'vm plan state.csv --detailed-exitcode --quiet > /dev/null; [ $? = 2 ] && echo "drift"',
    ],
  ).action(async (file: string, _o, cmd: Command) => {
    const o = ctx.use<{ column?: string; skipInvalid?: boolean; out?: string; detailedExitcode?: boolean }>(
      cmd,
    );
    if (o.out) {
      const { refuseUnwritableFile } = await import('../output/atomic-file.js');
      refuseUnwritableFile(o.out, t);
    }
    const { diff, current } = await computeDiff(ctx, file, o);
    await printDiff(ctx, diff.changes, diff.monthlyDelta, diff.steps.length);
    if (o.out) await savePlanFile(ctx, o.out, file, diff, current);
    if (o.detailedExitcode && diff.steps.length > 0) ctx.setExitCode(EXIT.changesPresent);
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
    [
      'vm apply state.csv --yes',
      'vm apply state.csv --idempotency-key weekly-2026-48 --yes',
      'vm apply plan.json --yes',
    ],
  ).action(async (file: string, _o, cmd: Command) => {
    const o = ctx.use<{ column?: string; skipInvalid?: boolean; yes?: boolean; idempotencyKey?: string }>(
      cmd,
    );
    const saved = await readSavedPlan(ctx, file);
    const plan = saved
      ? { ...(await checkSavedPlan(ctx, file, saved)), key: o.idempotencyKey ?? saved.id }
      : { ...(await computeDiff(ctx, file, o)).diff, key: o.idempotencyKey };
    if (plan.steps.length === 0) {
      ctx.note(t('state.converged'));
      return;
    }
    await printDiff(ctx, plan.changes, plan.monthlyDelta, plan.steps.length);
    const question = () => t('state.confirm', { count: plan.changes.length, steps: plan.steps.length });
    const refusal = t('change.needsYes', { count: plan.changes.length, type: 'apply' });
    if (!o.yes && !(await ctx.confirm(question, refusal))) return;
    await runSteps(ctx, plan.steps, plan.key);
  });
}

/** Runs the steps one after another: a removed service must be gone before a tariff that excludes it. */
async function runSteps(ctx: Context, steps: ConvergeStep[], key: string | undefined): Promise<void> {
  const { randomUUID } = await import('node:crypto');
  const prefix = key ?? randomUUID();
  const client = await ctx.client();
  const done: Operation[] = [];
  for (const [i, step] of steps.entries()) {
    const op = await client.call('operations.create', {
      // The planner pairs each step's type with its parameters (domain/desired-state.ts); the domain does
      // not know the contract's union of body shapes, and the backend validates the body against it.
      body: step as OperationCreateBody,
      idempotencyKey: `${prefix}:${i + 1}`,
    });
    ctx.note(ctx.t('change.submitted', { id: op.id, count: op.total }) + ` ${step.type}`);
    done.push(await waitForOperation(ctx, client, op));
  }
  await reportOutcome(ctx, client, done);
}

/** Every number in the caller's scope as it is now (the fields desired state can set). */
async function currentLines(ctx: Context): Promise<Map<string, CurrentLine>> {
  const current = new Map<string, CurrentLine>();
  for await (const n of (await ctx.client()).paginate('numbers.list')) current.set(n.msisdn, n);
  return current;
}

async function computeDiff(
  ctx: Context,
  file: string,
  o: { column?: string; skipInvalid?: boolean },
): Promise<{ diff: StateDiff; current: Map<string, CurrentLine> }> {
  const t = ctx.t;
  const { readTargets, formatRowErrors, TargetsInputError } = await import('../input/number-list.js');
  const { diffState, parseServiceList, parseYesNo } = await import('../../domain/desired-state.js');
  const read = await readTargets(
    [],
    [file],
    { column: o.column, skipInvalid: o.skipInvalid, paramColumns: STATE_COLUMNS, t },
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
  const current = await currentLines(ctx);
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
        formatRowErrors(errors, read.errorCount + extra, t),
        errors,
        read.errorCount + extra,
      );
    ctx.io.stderr.write(`${formatRowErrors(errors, read.errorCount + extra, t)}\n`);
  }
  return { diff, current };
}

/** Writes the plan for `vm apply FILE`: what each number it changes is now and will be, and the steps. */
async function savePlanFile(
  ctx: Context,
  out: string,
  source: string,
  diff: StateDiff,
  current: Map<string, CurrentLine>,
): Promise<void> {
  const [{ savePlan }, { writeFileAtomically }, { randomUUID }, { finished }] = await Promise.all([
    import('../../domain/desired-state.js'),
    import('../output/atomic-file.js'),
    import('node:crypto'),
    import('node:stream/promises'),
  ]);
  const plan = savePlan(diff, current, {
    id: `plan_${randomUUID()}`,
    createdAt: new Date().toISOString(),
    server: await ctx.server(),
    source,
  });
  await writeFileAtomically(out, (file) => {
    file.end(`${JSON.stringify(plan, null, 2)}\n`);
    return finished(file);
  });
  ctx.note(ctx.t('state.planSaved', { file: out }));
}

/**
 * The saved plan in `file`, or undefined when it is a desired-state file: a plan is JSON, an object, and
 * no CSV or list of numbers starts with `{`.
 */
async function readSavedPlan(ctx: Context, file: string): Promise<SavedPlan | undefined> {
  if (file === '-') return undefined;
  const fs = await import('node:fs');
  // A look at the start only: a desired-state file may hold a million lines.
  let head: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const start = Buffer.alloc(64);
      head = start.subarray(0, fs.readSync(fd, start)).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined; // the desired-state reader says what is wrong with the file
  }
  if (!/^\uFEFF?\s*\{/.test(head)) return undefined;
  const { parseSavedPlan } = await import('../../domain/desired-state.js');
  const plan = parseSavedPlan(fs.readFileSync(file, 'utf8'));
  if (!plan) throw new UsageError(ctx.t('state.notAPlan', { file }));
  return plan;
}

/**
 * Refuses a saved plan whose numbers moved since it was made, naming each number, field, what the plan
 * found and what is there now; nothing is submitted. Returns the plan to carry out.
 */
async function checkSavedPlan(ctx: Context, file: string, plan: SavedPlan): Promise<SavedPlan> {
  const t = ctx.t;
  const server = await ctx.server();
  if (plan.server !== server)
    throw new CliError(t('state.planOtherServer', { file, planned: plan.server, server }), EXIT.error);
  const { planDrift } = await import('../../domain/desired-state.js');
  const drift = plan.numbers.length === 0 ? [] : planDrift(plan, await currentLines(ctx));
  if (drift.length === 0) return plan;
  const lines = drift.slice(0, MAX_LISTED_DRIFT).map((d) => `  ${describeDrift(ctx, d)}`);
  if (drift.length > MAX_LISTED_DRIFT)
    lines.push(`  ${t('state.moreMoved', { count: drift.length - MAX_LISTED_DRIFT })}`);
  const when = plan.createdAt.slice(0, 16).replace('T', ' ');
  throw new CliError(
    `${t('state.planMoved', { file, when, source: plan.source, count: drift.length })}\n${lines.join('\n')}`,
    EXIT.error,
  );
}

function describeDrift(ctx: Context, d: Drift): string {
  if (d.field === 'number') return ctx.t('state.movedGone', { msisdn: d.msisdn });
  const shown = (v: string) => v || '—';
  return ctx.t('state.movedField', {
    msisdn: d.msisdn,
    field: d.field,
    planned: shown(d.planned),
    now: shown(d.now),
  });
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
