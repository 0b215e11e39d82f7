import type { Clock } from '../../domain/clock.js';
import { OPERATION_PARAMS } from '../../api/operations.js';
import type { OperationType } from '../../domain/operations.js';
import { planItem, planSimOrder, type ItemPlan, type LineState, type OrderWorld } from '../../domain/plan.js';
import type { Store } from '../store/store.js';
import type { ItemOutcome, OperationRecord } from '../store/operations-repo.js';
import { applyAutopay } from './autopay.js';
import type { Billing } from './billing.js';
import { freshIccid, freshMsisdn } from './numbering.js';
import { authorRights } from './author-rights.js';
import { orderWorld, planWorld, type SpendingWorld } from './plan-world.js';
import { writeAudit } from './audit-service.js';
import { recordEvent, recordOperationFinished } from './events.js';
import { lineChangeEvents } from '../../domain/events.js';
import { countRowValues } from './operation-views.js';
import { SliceSize, nextTurn, since } from './slice-size.js';

/**
 * How many items one transaction applies: as many as fit ~15 ms (a request waits at most that long
 * behind a chunk), between 20 and 500; a fixed `chunkSize` option overrides it (tests).
 */
const CHUNK = { budgetMs: 15, min: 20, max: 500, start: 100 };

/** Follow-up operation types: a block with `until` is undone by an unblock at that time, and so on. */
const FOLLOW_UP: Partial<Record<OperationType, OperationType>> = {
  'number.block': 'number.unblock',
  'service.add': 'service.remove',
};

/**
 * Runs operations inside the backend, chunk by chunk. Each chunk is one SQLite transaction holding the
 * number changes, the item outcomes and the progress counters together, so a crash at any moment
 * resumes with the next queued item and no item is ever applied twice. Scheduled operations start by
 * the backend's clock; no CLI needs to be running.
 */
export class OperationWorker {
  private timer?: NodeJS.Timeout;
  private loop?: Promise<void>;
  private again = false;
  private stopped = false;
  /** Accounts charged in the chunk being run, for autopay at its end. */
  private readonly charged = new Set<string>();
  private readonly chunk = new SliceSize(CHUNK);

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly opts: {
      chunkSize?: number;
      pollMs?: number;
      newId: () => string;
      billing?: Billing;
      /** Background work, by priority, run a slice at a time when no operation or billing is due. */
      background?: { step(): boolean }[];
    },
  ) {}

  /** Starts polling for due and queued work. */
  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.opts.pollMs ?? 250);
    this.timer.unref();
    this.kick();
  }

  /** Looks for work now (after a submission, a cancel, or a clock change). */
  kick(): void {
    if (this.stopped) return;
    if (this.loop) {
      this.again = true;
      return;
    }
    this.loop = this.drain().finally(() => {
      this.loop = undefined;
    });
  }

  /** Resolves when no work is left (tests and the clock route use it). */
  async idle(): Promise<void> {
    this.kick();
    while (this.loop) await this.loop;
  }

  /** Stops after the chunk in progress; nothing half-done is left because every chunk is a transaction. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.loop;
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        for (;;) {
          // A slice of the history thread in progress holds SQLite's lock: wait for it here, where the
          // event loop runs, rather than asleep in SQLite's busy handler.
          await this.store.othersDone();
          if (this.stopped || !this.step()) break;
          // Let HTTP requests in between chunks.
          await nextTurn();
        }
      } while (this.again && !this.stopped);
    } catch (err) {
      // Every chunk is a transaction, so a failed one left nothing half-done; the poll timer's next kick
      // tries again. The expected cause is SQLite's write lock held past busy_timeout by the other
      // connection (SQLITE_BUSY): the backend must live through it, not end on an unhandled rejection.
      this.reportFailure(err);
    }
  }

  private lastFailureReport = 0;

  /** Says on stderr that background work failed, once a minute at most (it is retried every poll). */
  private reportFailure(err: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureReport < 60_000) return;
    this.lastFailureReport = now;
    const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    process.stderr.write(`vm backend: background work failed (${what}); trying again\n`);
  }

  /**
   * One chunk of work in time order: operations that were due before the next billing event, else that
   * event (a day's fees or usage); false when there is nothing to do. So a clock moved a month ahead
   * replays the month: a block scheduled for the 3rd stops the usage of the 4th.
   */
  step(): boolean {
    const now = this.clock.now().toISOString();
    const billingDue = this.opts.billing?.due(new Date(now));
    this.store.operations.promoteDue(billingDue ?? now);
    const id = this.store.operations.nextRunnable();
    if (id) {
      const started = performance.now();
      const items = this.store.transaction(() =>
        this.runChunk(id, billingDue ?? now, billingDue !== undefined),
      );
      this.chunk.took(items, since(started));
      return true;
    }
    if (billingDue && this.opts.billing) {
      this.opts.billing.step();
      return true;
    }
    return this.opts.background?.some((b) => b.step()) ?? false;
  }

  /**
   * Runs the next chunk of an operation; returns how many items it applied. `until` is the time the
   * worker has reached: now, or the next billing event while a clock moved ahead is `replaying`.
   */
  private runChunk(id: string, until: string, replaying: boolean): number {
    const ops = this.store.operations;
    const op = ops.get(id) as OperationRecord;
    const now = replaying ? replayTime(op, until) : until;
    if (op.state === 'queued') ops.setState(id, 'running', { startedAt: now });
    if (op.cancelRequested) {
      const n = ops.cancelQueuedItems(id, now);
      ops.bump(id, { succeeded: 0, failed: 0, skipped: 0, cancelled: n, monthlyDelta: 0, fees: 0 });
      this.finish(id, now);
      return 0;
    }
    const items = ops.queuedItems(id, this.opts.chunkSize ?? this.chunk.size);
    if (items.length === 0) {
      this.finish(id, now);
      return 0;
    }
    const type = op.type as OperationType;
    const month = now.slice(0, 7);
    const changes = this.store.changes;
    const lines =
      type === 'sim.order' ? new Map<string, LineState>() : changes.lines(items.map((i) => i.target));
    const tariffCounts = changes.tariffChanges([...lines.keys()], month);
    const author = authorRights(this.store, op, now);
    const world = planWorld(
      this.store,
      tariffCounts,
      (g) => author.covers(g) && (!op.scope || op.scope.includes(g)),
      (permission, g) => author.holds(permission, g),
    );
    const order =
      type === 'sim.order'
        ? { ...world, ...orderWorld(this.store, op.scope, (g) => author.covers(g)) }
        : null;
    const tally = { succeeded: 0, failed: 0, skipped: 0, cancelled: 0, monthlyDelta: 0, fees: 0 };
    const failures: { number: string; code: string | null }[] = [];
    for (const item of items) {
      const params = { ...op.params, ...item.params };
      let outcome: ItemOutcome;
      let line = lines.get(item.target);
      if (line && op.scope && !op.scope.includes(line.groupId)) line = undefined; // outside scope: as if unknown
      if (type !== 'sim.order' && line && !author.covers(line.groupId)) {
        outcome = notPermitted(item.seq, author.why);
      } else if (order) {
        outcome = author.why
          ? notPermitted(item.seq, author.why)
          : this.orderSim(op, item.seq, params, now, order);
      } else {
        const plan = planItem(type, params, line, world);
        if (plan.outcome === 'apply' && line) {
          changes.apply(line, plan.after, now, month, { actor: op.actor, userId: op.createdBy });
          if (plan.fee > 0) {
            this.store.billing.charge({
              time: now,
              accountId: line.accountId,
              msisdn: line.msisdn,
              kind: 'one_time',
              ref: `${op.id}:${item.seq}`,
              amount: plan.fee,
            });
            this.charged.add(line.accountId);
          }
          world.spend(line.accountId, plan.fee);
          if (plan.after.tariff !== undefined)
            tariffCounts.set(line.msisdn, (tariffCounts.get(line.msisdn) ?? 0) + 1);
          this.audit(op, line.msisdn, { operationId: op.id, before: plan.before, after: plan.after }, now);
          for (const e of lineChangeEvents(plan.before, plan.after)) {
            recordEvent(this.store, now, {
              type: e.type,
              subject: line.msisdn,
              groupId: plan.after.groupId ?? line.groupId,
              data: { ...e.data, operationId: op.id },
            });
          }
          outcome = {
            seq: item.seq,
            state: 'succeeded',
            code: null,
            detail: null,
            before: plan.before,
            after: plan.after,
            monthlyDelta: plan.monthlyDelta,
            fee: plan.fee,
          };
        } else if (plan.outcome === 'skip') {
          outcome = {
            seq: item.seq,
            state: 'skipped',
            code: plan.code,
            detail: null,
            before: plan.before,
            after: null,
            monthlyDelta: 0,
            fee: 0,
          };
        } else if (plan.outcome === 'fail') {
          outcome = failedItem(item.seq, plan);
        } else {
          outcome = failedItem(item.seq, { outcome: 'fail', code: 'not_found' });
        }
      }
      if (!ops.finishItem(id, outcome, now)) continue;
      if (outcome.state === 'failed') failures.push({ number: item.target, code: outcome.code });
      tally[
        outcome.state === 'succeeded'
          ? 'succeeded'
          : outcome.state === 'skipped'
            ? 'skipped'
            : outcome.state === 'failed'
              ? 'failed'
              : 'cancelled'
      ]++;
      tally.monthlyDelta += outcome.monthlyDelta ?? 0;
      tally.fees += outcome.fee ?? 0;
    }
    ops.bump(id, tally);
    if (failures.length) {
      recordEvent(this.store, now, {
        type: 'operation.item_failed',
        subject: op.id,
        userId: op.createdBy,
        data: { operationType: op.type, count: failures.length, items: failures },
      });
    }
    for (const account of this.charged) applyAutopay(this.store, account, now);
    this.charged.clear();
    return items.length;
  }

  /** A SIM order item: if the planner allows it, a new number on the account, with a fresh ICCID. */
  private orderSim(
    op: OperationRecord,
    seq: number,
    params: Record<string, unknown>,
    now: string,
    world: SpendingWorld & OrderWorld,
  ): ItemOutcome {
    const plan = planSimOrder(params, world);
    if (plan.outcome !== 'apply') return failedItem(seq, plan);
    const { account } = plan;
    const { tariff, groupId } = plan.after;
    const msisdn = freshMsisdn((m) => this.store.changes.numberExists(m), `${op.id}:${seq}`);
    const iccid = freshIccid((i) => this.store.changes.iccidInUse(i), `${op.id}:${seq}`);
    this.store.changes.insertNumber({
      msisdn,
      accountId: account.id,
      region: account.region,
      groupId,
      employee: '',
      tariff,
      iccid,
      activatedAt: now,
    });
    this.store.billing.charge({
      time: now,
      accountId: account.id,
      msisdn,
      kind: 'one_time',
      ref: `${op.id}:${seq}`,
      amount: plan.fee,
    });
    this.charged.add(account.id);
    world.spend(account.id, plan.fee);
    const after = { msisdn, iccid, tariff, groupId, delivery: params.delivery ?? null };
    this.audit(op, msisdn, { operationId: op.id, after }, now);
    recordEvent(this.store, now, {
      type: 'line.added',
      subject: msisdn,
      groupId,
      data: { accountId: account.id, iccid, tariff, operationId: op.id },
    });
    return {
      seq,
      state: 'succeeded',
      code: null,
      detail: null,
      before: null,
      after,
      monthlyDelta: plan.monthlyDelta,
      fee: plan.fee,
    };
  }

  private audit(op: OperationRecord, target: string, params: Record<string, unknown>, now: string): void {
    writeAudit(this.store, now, {
      actor: { name: op.actor, type: 'user' },
      action: op.type,
      target,
      params,
      origin: op,
    });
  }

  /** Sets the final state and schedules the follow-up (unblock at `until`, …) for the numbers that changed. */
  private finish(id: string, now: string): void {
    const ops = this.store.operations;
    const op = ops.get(id) as OperationRecord;
    const state =
      op.cancelled > 0 || op.cancelRequested
        ? 'cancelled'
        : op.failed === 0
          ? 'succeeded'
          : op.succeeded + op.skipped > 0
            ? 'partially_failed'
            : 'failed';
    ops.setState(id, state, { finishedAt: now });
    recordOperationFinished(this.store, now, ops.get(id) as OperationRecord);
    const followUp = FOLLOW_UP[op.type as OperationType];
    const until = op.params.until;
    if (!followUp || typeof until !== 'string' || op.succeeded === 0) return;
    // An item's own values go along as far as the follow-up reads them: a service a row added is the
    // one taken off (a block's reason means nothing to the unblock).
    const kept = Object.keys(OPERATION_PARAMS[followUp].row.properties);
    const ownOf = (params: Record<string, unknown> | null) => {
      const own = Object.entries(params ?? {}).filter(([name]) => kept.includes(name));
      return own.length ? Object.fromEntries(own) : null;
    };
    const targets: { target: string; params: Record<string, unknown> | null }[] = [];
    for (let after = 0; ;) {
      const page = ops.items(id, { state: 'succeeded', after, limit: 5000 });
      if (page.length === 0) break;
      targets.push(...page.map((i) => ({ target: i.target, params: ownOf(i.params) })));
      after = page[page.length - 1]?.seq ?? after;
    }
    const params = { ...op.params };
    delete params.until;
    ops.insert(
      {
        id: this.opts.newId(),
        type: followUp,
        params,
        state: until <= now ? 'queued' : 'scheduled',
        createdBy: op.createdBy,
        tokenId: op.tokenId,
        actor: op.actor,
        scope: op.scope,
        idempotencyKey: null,
        bodyHash: '',
        scheduledAt: until,
        createdAt: now,
        total: targets.length,
        rowValues: countRowValues(targets),
        rollbackOf: null,
        parentId: op.id,
        ip: op.ip,
        requestId: op.requestId,
      },
      targets,
    );
  }
}

/** A failed item as planned: nothing applied, the planner's code and detail. */
function failedItem(seq: number, plan: Extract<ItemPlan, { outcome: 'fail' }>): ItemOutcome {
  return {
    seq,
    state: 'failed',
    code: plan.code,
    detail: plan.detail ?? null,
    before: plan.before ?? null,
    after: null,
    monthlyDelta: null,
    fee: null,
  };
}

/** An item the operation's author may no longer change: failed with a stable code, nothing applied. */
function notPermitted(seq: number, why: string | null): ItemOutcome {
  return failedItem(seq, { outcome: 'fail', code: 'author_not_permitted', detail: why ?? 'out_of_scope' });
}

/**
 * When an operation's work happens while a clock moved ahead is replayed: at its scheduled time (never
 * before it was made), so the block the demo schedules for 11:30 the next day shows 11:30, not the
 * billing event after it (midnight); an operation without one at `until`, the worker's time.
 */
function replayTime(op: OperationRecord, until: string): string {
  if (!op.scheduledAt || op.scheduledAt >= until) return until;
  return op.scheduledAt > op.createdAt ? op.scheduledAt : op.createdAt;
}
