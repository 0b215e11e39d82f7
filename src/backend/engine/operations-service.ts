import { createHash, randomBytes } from 'node:crypto';
import { ApiError } from '../../api/errors.js';
import { requireMsisdn } from './number-param.js';
import type { Page } from '../../api/common.js';
import type {
  Operation,
  OperationCreateBody,
  OperationItem,
  PlanItem,
  PlanSummary,
  Target,
  TargetFilter,
} from '../../api/operations.js';
import type { Clock } from '../../domain/clock.js';
import { tryParseMsisdn } from '../../domain/msisdn.js';
import { OPERATION_PERMISSION, OPERATION_TYPES, type OperationType } from '../../domain/operations.js';
import { planItem, planSimOrder, type ItemPlan, type LineState } from '../../domain/plan.js';
import type { Store } from '../store/store.js';
import type { OperationRecord } from '../store/operations-repo.js';
import {
  actorName,
  findGroup,
  holds,
  holdsOver,
  inScope,
  requirePermission,
  scopeIds,
  scopeOf,
  scopedGroupIds,
  type Principal,
} from './authz.js';
import type { RequestOrigin } from './auth-service.js';
import { freshMsisdn } from './numbering.js';
import { countRowValues, itemView, operationView } from './operation-views.js';
import { orderWorld, planWorld } from './plan-world.js';
import { decodeIntCursor, pageOf } from './paging.js';
import { SliceSize, nextTurn, since } from './slice-size.js';
import { recordOperationFinished } from './events.js';

/** A dry run in progress: the summary is whole once every slice of items has been read. */
export interface PlanRun {
  summary: PlanSummary;
  /** The items in target order, a slice at a time; the event loop gets a turn between slices. */
  slices(): AsyncGenerator<PlanItem[]>;
}

/** Planning holds the thread ~10 ms at a time (a request waits at most that long behind a dry run). */
const PLAN_SLICE = { budgetMs: 10, min: 50, max: 5000, start: 500 };
/** An operation item as stored, from its target. */
const itemOf = (t: Target) => ({ target: t.msisdn, params: t.params ?? null });

/** Storing items holds the thread ~10 ms at a time, as planning does. */
const INSERT_SLICE = { budgetMs: 10, min: 100, max: 10_000, start: 1000 };
/** An operation of up to this many items is stored in one transaction (a few ms); a bigger one in slices. */
const ITEMS_AT_ONCE = 2000;
/** Targets checked between two turns of the event loop (~5 ms of number parsing). */
const TARGETS_PER_TURN = 5000;

/** Types whose succeeded items can be inverted by a rollback, and how. */
const INVERSE: Partial<
  Record<
    OperationType,
    (
      item: { before: Record<string, unknown> | null },
      params: Record<string, unknown>,
    ) => { type: OperationType; params: Record<string, string> }
  >
> = {
  'tariff.change': (i) => ({ type: 'tariff.change', params: { tariff: String(i.before?.tariff ?? '') } }),
  'service.add': (_i, p) => ({ type: 'service.remove', params: { service: String(p.service ?? '') } }),
  'service.remove': (_i, p) => ({ type: 'service.add', params: { service: String(p.service ?? '') } }),
  'number.block': () => ({ type: 'number.unblock', params: {} }),
  'number.unblock': (i) => ({
    type: 'number.block',
    params: { reason: String(i.before?.blockReason ?? 'other') },
  }),
  'limit.set': (i) => limitBack(i.before?.limit),
  'limit.remove': (i) => limitBack(i.before?.limit),
};

/** Puts a limit back as it was before: the earlier limit, or none. */
function limitBack(before: unknown): { type: OperationType; params: Record<string, string> } {
  const l = before as { monthly: number; action: string } | null | undefined;
  return l
    ? { type: 'limit.set', params: { monthly: String(l.monthly), action: l.action } }
    : { type: 'limit.remove', params: {} };
}

/** Operations over the HTTP contract: submit (exactly once per Idempotency-Key), plan, read, cancel, roll back. */
export class OperationsService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly kick: () => void,
  ) {}

  /** A new operation id. */
  static newId(): string {
    return `op_${randomBytes(8).toString('hex')}`;
  }

  /** Stores and queues (or schedules) an operation; the same key with the same body returns the first one. */
  submit(
    p: Principal,
    body: OperationCreateBody,
    key: string | undefined,
    origin: RequestOrigin,
  ): Promise<Operation> {
    return this.enqueue(p, body, key, origin, null);
  }

  /** `submit`, recording which operation this one rolls back in the same row, so both commit together. */
  private async enqueue(
    p: Principal,
    body: OperationCreateBody,
    key: string | undefined,
    origin: RequestOrigin,
    rollbackOf: string | null,
  ): Promise<Operation> {
    const type = body.type;
    requirePermission(p, OPERATION_PERMISSION[type]);
    const bodyHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const replay = () => (key ? this.replay(p.user.id, key, bodyHash) : undefined);
    const earlier = replay();
    if (earlier) return earlier;
    const now = this.clock.now();
    const scheduledAt = body.scheduledAt ? new Date(body.scheduledAt).toISOString() : null;
    const targets = await this.resolveTargets(p, body);
    const params = this.prepareParams(body, targets);
    this.requireDestination(p, type, params);
    const state = scheduledAt && scheduledAt > now.toISOString() ? 'scheduled' : 'queued';
    const big = targets.length > ITEMS_AT_ONCE;
    const record = {
      id: OperationsService.newId(),
      type,
      params,
      // A big one is stored a slice at a time, as `preparing` until its last item is in: the worker
      // leaves it alone, and a backend stopped meanwhile drops it at start (its caller had no answer and
      // resends with the same key).
      state: big ? 'preparing' : state,
      createdBy: p.user.id,
      tokenId: p.token?.id ?? null,
      actor: actorName(p),
      scope: scopeIds(scopeOf(p, OPERATION_PERMISSION[type], this.store.catalog.groupRecords())),
      idempotencyKey: key ?? null,
      bodyHash,
      scheduledAt,
      createdAt: now.toISOString(),
      total: targets.length,
      rowValues: countRowValues(targets),
      rollbackOf,
      parentId: null,
      ip: origin.ip,
      requestId: origin.requestId,
    };
    // The same key may have come in again while the targets were checked: the first one stored wins.
    const first = this.store.transaction(() => {
      const again = replay();
      if (!again) this.store.operations.insert(record, big ? [] : targets.map(itemOf));
      return again;
    });
    if (first) return first;
    if (big) await this.storeItems(record.id, targets, state);
    this.kick();
    return operationView(this.store.operations.get(record.id) as OperationRecord);
  }

  /** The operation stored before with this key, when the body is the same; a conflict when it is not. */
  private replay(userId: number, key: string, bodyHash: string): Operation | undefined {
    const earlier = this.store.operations.byIdempotencyKey(userId, key);
    if (!earlier) return undefined;
    if (earlier.bodyHash !== bodyHash) {
      throw new ApiError('idempotency_conflict', 'This Idempotency-Key was used with another request', {
        reason: 'idempotency_conflict',
        operationId: earlier.id,
      });
    }
    return operationView(earlier, true);
  }

  /**
   * Stores the items of a `preparing` operation a slice at a time (each slice its own short transaction,
   * the event loop runs between them), then lets it go as `state`. Stops early when it was cancelled.
   */
  private async storeItems(id: string, targets: Target[], state: 'queued' | 'scheduled'): Promise<void> {
    const slice = new SliceSize(INSERT_SLICE);
    for (let done = 0; done < targets.length;) {
      const started = performance.now();
      const chunk = targets.slice(done, done + slice.size).map(itemOf);
      const stored = this.store.transaction(() => {
        if (this.store.operations.stateOf(id) !== 'preparing') return false;
        this.store.operations.insertItems(id, done, chunk);
        return true;
      });
      if (!stored) return;
      slice.took(chunk.length, since(started));
      done += chunk.length;
      await nextTurn();
    }
    this.store.transaction(() => this.store.operations.finishPreparing(id, state));
  }

  /**
   * What the operation would do, number by number, with the cost; nothing is stored. Everything is
   * checked before this resolves (permission, targets, parameters), so a refusal is an error answer; the
   * items are then made a slice at a time as they are read, and the summary is whole once they all are.
   */
  async plan(p: Principal, body: OperationCreateBody): Promise<PlanRun> {
    const type = body.type;
    requirePermission(p, OPERATION_PERMISSION[type]);
    const targets = await this.resolveTargets(p, body);
    const params = this.prepareParams(body, targets);
    this.requireDestination(p, type, params);
    const groups = this.store.catalog.groupRecords();
    const scope = scopeOf(p, OPERATION_PERMISSION[type], groups);
    const month = this.clock.now().toISOString().slice(0, 7);
    const summary: PlanSummary = {
      type,
      params,
      total: targets.length,
      apply: 0,
      skip: 0,
      fail: 0,
      monthlyDelta: 0,
      fees: 0,
    };
    const counts = new Map<string, number>();
    const world = planWorld(
      this.store,
      counts,
      (g) => inScope(scope, g),
      (permission, g) => holdsOver(p, permission, g, groups),
    );
    // An order is planned as the worker will run it: in the scope stored at submission, by its author.
    const order =
      type === 'sim.order'
        ? { ...world, ...orderWorld(this.store, scopeIds(scope), (g) => inScope(scope, g)) }
        : null;
    const store = this.store;
    const planChunk = (chunk: Target[]): PlanItem[] => {
      const lines =
        type === 'sim.order' ? new Map<string, LineState>() : store.changes.lines(chunk.map((t) => t.msisdn));
      for (const [m, n] of store.changes.tariffChanges([...lines.keys()], month)) counts.set(m, n);
      const employees = store.numbers.employees([...lines.keys()]);
      return chunk.map((target) => {
        let line = lines.get(target.msisdn);
        if (line && scope.kind === 'groups' && !scope.ids.has(line.groupId)) line = undefined;
        const card = order ? planSimOrder({ ...params, ...target.params }, order) : null;
        const plan: ItemPlan = card ?? planItem(type, { ...params, ...target.params }, line, world);
        if (card?.outcome === 'apply') {
          world.spend(card.account.id, card.fee);
        } else if (plan.outcome === 'apply' && line) {
          world.spend(line.accountId, plan.fee);
          if (plan.after.tariff !== undefined) counts.set(line.msisdn, (counts.get(line.msisdn) ?? 0) + 1);
        }
        summary[plan.outcome]++;
        const applied = plan.outcome === 'apply';
        summary.monthlyDelta += applied ? plan.monthlyDelta : 0;
        summary.fees += applied ? plan.fee : 0;
        return {
          msisdn: target.msisdn,
          employee: (line && employees.get(line.msisdn)) ?? null,
          outcome: plan.outcome,
          code: plan.outcome === 'apply' ? null : plan.code,
          detail: plan.outcome === 'fail' ? (plan.detail ?? null) : null,
          before: plan.before ?? null,
          after: applied ? plan.after : null,
          monthlyDelta: applied ? plan.monthlyDelta : 0,
          fee: applied ? plan.fee : 0,
        };
      });
    };
    return {
      summary,
      async *slices() {
        const slice = new SliceSize(PLAN_SLICE);
        for (let i = 0; i < targets.length;) {
          const started = performance.now();
          const chunk = targets.slice(i, i + slice.size);
          const items = planChunk(chunk);
          slice.took(chunk.length, since(started));
          i += chunk.length;
          yield items;
          if (i < targets.length) await nextTurn();
        }
      },
    };
  }

  /** One operation the caller may see. */
  get(p: Principal, id: string): Operation {
    return operationView(this.visible(p, id));
  }

  /** The caller's operations (everyone's with audit:read over the whole company), newest first. */
  list(
    p: Principal,
    q: { state?: string; type?: string; since?: string; limit?: number; cursor?: string },
  ): Page<Operation> {
    const limit = q.limit ?? 100;
    const rows = this.store.operations.list({
      createdBy: this.seesAll(p) ? null : p.user.id,
      types: this.seesAll(p) ? null : this.tokenTypes(p),
      state: q.state,
      type: q.type,
      since: q.since,
      before: decodeIntCursor(q.cursor),
      limit: limit + 1,
    });
    return pageOf(
      rows,
      limit,
      (r) => r.rid,
      (r) => operationView(r),
    );
  }

  /** The items of an operation, in target order. */
  items(
    p: Principal,
    id: string,
    q: { state?: string; limit?: number; cursor?: string },
  ): Page<OperationItem> {
    this.visible(p, id);
    const limit = q.limit ?? 100;
    const rows = this.store.operations.items(id, {
      state: q.state,
      after: decodeIntCursor(q.cursor) ?? 0,
      limit: limit + 1,
    });
    return pageOf(rows, limit, (r) => r.seq, itemView);
  }

  /** Cancels what has not run yet. */
  cancel(p: Principal, id: string): Operation {
    const op = this.visible(p, id);
    const now = this.clock.now().toISOString();
    // Stopping a change is itself a change of that kind: it needs the type's permission (a read-only
    // token of the same user cannot cancel a scheduled block).
    requirePermission(p, OPERATION_PERMISSION[op.type as OperationType]);
    if (op.state === 'preparing' || op.state === 'queued' || op.state === 'scheduled') {
      this.store.transaction(() => {
        this.store.operations.cancelNotStarted(id, now);
        recordOperationFinished(this.store, now, this.store.operations.get(id) as OperationRecord);
      });
    } else if (op.state === 'running') {
      this.store.operations.requestCancel(id);
      this.kick();
    } else {
      throw new ApiError('conflict', `Operation ${id} has already finished (${op.state})`, {
        reason: 'operation_finished',
        id,
        state: op.state,
      });
    }
    return operationView(this.store.operations.get(id) as OperationRecord);
  }

  /** A new operation inverting the succeeded items of a finished change; idempotent per operation by default. */
  async rollback(
    p: Principal,
    id: string,
    key: string | undefined,
    origin: RequestOrigin,
  ): Promise<Operation> {
    return this.enqueue(p, await this.rollbackBody(p, id), key ?? `rollback:${id}`, origin, id);
  }

  /**
   * What a rollback would do, number by number, with what it costs: it is a change like any other, so
   * the one-time fees of its changes are charged again (a tariff change's fee; a removed service's
   * connection fee when it is added back). Nothing is stored.
   */
  async rollbackPlan(p: Principal, id: string): Promise<PlanRun> {
    return this.plan(p, await this.rollbackBody(p, id));
  }

  /** The body of the operation that inverts the succeeded items of a finished change. */
  private async rollbackBody(p: Principal, id: string): Promise<OperationCreateBody> {
    const op = this.visible(p, id);
    const invert = INVERSE[op.type as OperationType];
    if (!invert)
      throw new ApiError('business_rule', `A ${op.type} operation cannot be rolled back`, {
        reason: 'rollback_unsupported',
        type: op.type,
      });
    if (!['succeeded', 'partially_failed', 'failed', 'cancelled'].includes(op.state)) {
      throw new ApiError('conflict', `Operation ${id} is still ${op.state}; wait for it or cancel it first`, {
        reason: 'operation_not_finished',
        id,
        state: op.state,
      });
    }
    const targets: Target[] = [];
    let type: OperationType | undefined;
    for (let after = 0; ;) {
      const page = this.store.operations.items(id, { state: 'succeeded', after, limit: 5000 });
      if (page.length === 0) break;
      for (const item of page) {
        const inverse = invert(item, op.params);
        type = inverse.type;
        targets.push({ msisdn: item.target, params: inverse.params });
      }
      after = page[page.length - 1]?.seq ?? after;
      await nextTurn();
    }
    if (!type)
      throw new ApiError('business_rule', `Operation ${id} changed no number; nothing to roll back`, {
        reason: 'rollback_empty',
        id,
      });
    // Built here, not received: each target carries its item's inverse as row values (the old tariff, the
    // service taken off…), which TypeScript cannot tie to `type` across the union of body shapes.
    return { type, params: {}, targets } as OperationCreateBody;
  }

  /**
   * A group move's destination must be a group the caller may change, like its numbers: a Sales manager
   * cannot move a number into Warehouse. Out of scope answers like an unknown group. (Per-row
   * destinations are checked item by item by the planner, against the same scope.)
   */
  private requireDestination(p: Principal, type: OperationType, params: Record<string, unknown>): void {
    if (type !== 'group.move' || params.group === undefined) return;
    const groups = this.store.catalog.groupRecords();
    const scope = scopeOf(p, OPERATION_PERMISSION[type], groups);
    const group = findGroup(groups, String(params.group), (id) => inScope(scope, id));
    params.group = group.id;
  }

  private seesAll(p: Principal): boolean {
    return (
      holds(p, 'audit:read') && scopeOf(p, 'audit:read', this.store.catalog.groupRecords()).kind === 'all'
    );
  }

  /**
   * An operation the caller may see: their own, or everyone's with company-wide audit:read. Through an
   * API token, only operations of the kinds the token's scope covers: a read-only token does not reach
   * its owner's blocks.
   */
  private visible(p: Principal, id: string): OperationRecord {
    const op = this.store.operations.get(id);
    const mine =
      op?.createdBy === p.user.id && this.tokenTypes(p)?.includes(op.type as OperationType) !== false;
    if (!op || (!mine && !this.seesAll(p))) {
      throw new ApiError('not_found', `No operation ${id}`, { reason: 'operation_not_found', id });
    }
    return op;
  }

  /** The operation types a token's scope covers; null for a session (no such narrowing). */
  private tokenTypes(p: Principal): OperationType[] | null {
    if (!p.token) return null;
    return OPERATION_TYPES.filter((t) => p.token?.scope.includes(OPERATION_PERMISSION[t]));
  }

  /**
   * Explicit targets (normalized, first occurrence wins) or the numbers a filter selects in scope; a
   * slice at a time (100,000 numbers to check or select take the thread for a few hundred ms).
   */
  private async resolveTargets(p: Principal, body: OperationCreateBody): Promise<Target[]> {
    if (body.type === 'sim.order')
      return Array.from({ length: body.params.count }, (_, i) => ({ msisdn: `new-sim-${i + 1}` }));
    if (body.targets && body.filter)
      throw new ApiError('validation_failed', 'Give targets or a filter, not both', {
        reason: 'targets_and_filter',
      });
    if (body.targets) {
      const seen = new Set<string>();
      const out: Target[] = [];
      const invalid: string[] = [];
      for (const [i, t] of body.targets.entries()) {
        if (i > 0 && i % TARGETS_PER_TURN === 0) await nextTurn();
        const msisdn = tryParseMsisdn(t.msisdn);
        if (!msisdn) invalid.push(t.msisdn);
        else if (!seen.has(msisdn)) {
          seen.add(msisdn);
          out.push({ msisdn, ...(t.params ? { params: t.params } : {}) });
        }
      }
      if (invalid.length) {
        throw new ApiError('validation_failed', `Not phone numbers: ${invalid.slice(0, 10).join(', ')}`, {
          reason: 'targets_invalid',
          count: invalid.length,
        });
      }
      if (out.length === 0)
        throw new ApiError('validation_failed', 'No targets', { reason: 'targets_empty' });
      return out;
    }
    if (body.filter) return this.filterTargets(p, body.type, body.filter);
    throw new ApiError('validation_failed', 'Give targets or a filter', { reason: 'targets_empty' });
  }

  private async filterTargets(p: Principal, type: OperationType, f: TargetFilter): Promise<Target[]> {
    if (!f.all && !f.group && !f.account && !f.tariff && !f.region && !f.status) {
      throw new ApiError('validation_failed', 'An empty filter would select every number; say all: true', {
        reason: 'filter_empty',
      });
    }
    const groups = this.store.catalog.groupRecords();
    const ids = scopedGroupIds(scopeOf(p, OPERATION_PERMISSION[type], groups), groups, f.group || undefined);
    const out: Target[] = [];
    for (let after: string | undefined; ;) {
      const page = this.store.numbers.list({
        groupIds: ids,
        accountId: f.account,
        region: f.region?.toUpperCase(),
        tariff: f.tariff?.toUpperCase(),
        status: f.status as LineState['status'] | undefined,
        after,
        limit: 5000,
      });
      out.push(...page.map((n) => ({ msisdn: n.msisdn })));
      if (page.length < 5000) break;
      after = page[page.length - 1]?.msisdn;
      await nextTurn();
    }
    if (out.length === 0)
      throw new ApiError('validation_failed', 'The filter selects no numbers', { reason: 'targets_empty' });
    return out;
  }

  /**
   * The parameters as stored. The schema has checked them (OPERATION_PARAMS in src/api/operations.ts);
   * what is left is normalizing: a number change's new number in E.164, or picked now when none is
   * given, and `until` in one time format.
   */
  private prepareParams(body: OperationCreateBody, targets: Target[]): Record<string, unknown> {
    const out: Record<string, unknown> = { ...body.params };
    if (body.type === 'number.change') {
      if (targets.length !== 1)
        throw new ApiError('validation_failed', 'A number change takes exactly one number', {
          reason: 'one_target',
        });
      out.to =
        body.params.to !== undefined
          ? requireMsisdn(body.params.to)
          : freshMsisdn(
              (m) => this.store.changes.numberExists(m),
              `${targets[0]?.msisdn}:${this.clock.now().toISOString()}`,
            );
      delete out.pick;
    }
    if (typeof out.until === 'string') out.until = new Date(out.until).toISOString();
    return out;
  }
}
