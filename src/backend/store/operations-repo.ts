import type { RowValues } from '../../api/operations.js';
import type { Db } from './db.js';

/** An operation as stored. */
export interface OperationRecord {
  id: string;
  type: string;
  params: Record<string, unknown>;
  state: string;
  createdBy: number;
  /** The API token it was submitted through (its scope and revocation count at run time); null = a session. */
  tokenId: number | null;
  actor: string;
  /** Group ids the creator could change when submitting; null = the whole company. */
  scope: string[] | null;
  idempotencyKey: string | null;
  bodyHash: string;
  scheduledAt: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  cancelled: number;
  monthlyDelta: number;
  fees: number;
  /** The targets' own values, counted at submission (none for operations the backend makes itself). */
  rowValues: RowValues[];
  cancelRequested: boolean;
  rollbackOf: string | null;
  parentId: string | null;
  ip: string;
  requestId: string;
}

/** One target of an operation as stored. */
export interface ItemRecord {
  seq: number;
  target: string;
  params: Record<string, unknown> | null;
  state: string;
  code: string | null;
  detail: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  monthlyDelta: number | null;
  fee: number | null;
  finishedAt: string | null;
}

/** The outcome of one item, written with the change itself in one transaction. */
export interface ItemOutcome {
  seq: number;
  state: 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  code: string | null;
  detail: string | null;
  before: unknown;
  after: unknown;
  monthlyDelta: number | null;
  fee: number | null;
}

type OpRow = Omit<OperationRecord, 'params' | 'scope' | 'rowValues' | 'cancelRequested'> & {
  params: string;
  scope: string | null;
  rowValues: string | null;
  cancelRequested: number;
};
type ItemRow = Omit<ItemRecord, 'params' | 'before' | 'after'> & {
  params: string | null;
  before: string | null;
  after: string | null;
};

const OP_COLUMNS = `id, type, params, state, created_by AS createdBy, token_id AS tokenId, actor, scope, idempotency_key AS idempotencyKey,
  body_hash AS bodyHash, scheduled_at AS scheduledAt, created_at AS createdAt, started_at AS startedAt,
  finished_at AS finishedAt, total, succeeded, failed, skipped, cancelled, monthly_delta AS monthlyDelta, fees,
  (SELECT row_values FROM operation_row_values WHERE operation_id = operations.id) AS rowValues, cancel_requested AS cancelRequested, rollback_of AS rollbackOf, parent_id AS parentId, ip, request_id AS requestId`;
const ITEM_COLUMNS = `seq, target, params, state, code, detail, before, after, monthly_delta AS monthlyDelta, fee,
  finished_at AS finishedAt`;

/** Operations and their items. */
export class OperationsRepo {
  private readonly insertStmt;
  private readonly insertRowValuesStmt;
  private readonly insertItemStmt;
  private readonly getStmt;
  private readonly byKeyStmt;
  private readonly listStmt;
  private readonly itemsStmt;
  private readonly queuedStmt;
  private readonly finishItemStmt;
  private readonly bumpStmt;
  private readonly promoteStmt;
  private readonly dueStmt;
  private readonly nextStmt;
  private readonly cancelItemsStmt;
  private readonly cancelRequestStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO operations (id, type, params, state, created_by, token_id, actor, scope, idempotency_key, body_hash,
         scheduled_at, created_at, total, rollback_of, parent_id, ip, request_id)
       VALUES (@id, @type, @params, @state, @createdBy, @tokenId, @actor, @scope, @idempotencyKey, @bodyHash,
         @scheduledAt, @createdAt, @total, @rollbackOf, @parentId, @ip, @requestId)`,
    );
    this.insertRowValuesStmt = db.prepare(
      'INSERT INTO operation_row_values (operation_id, row_values) VALUES (?, ?)',
    );
    this.insertItemStmt = db.prepare(
      `INSERT INTO operation_items (operation_id, seq, target, params, state) VALUES (?, ?, ?, ?, 'queued')`,
    );
    this.getStmt = db.prepare<[string], OpRow>(`SELECT ${OP_COLUMNS} FROM operations WHERE id = ?`);
    this.byKeyStmt = db.prepare<[number, string], OpRow>(
      `SELECT ${OP_COLUMNS} FROM operations WHERE created_by = ? AND idempotency_key = ?`,
    );
    this.listStmt = db.prepare<Record<string, unknown>, OpRow & { rid: number }>(
      `SELECT rowid AS rid, ${OP_COLUMNS} FROM operations
        WHERE (@createdBy IS NULL OR created_by = @createdBy) AND (@state IS NULL OR state = @state)
          AND (@type IS NULL OR type = @type) AND (@since IS NULL OR created_at >= @since)
          AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
          AND rowid < @before
        ORDER BY rowid DESC LIMIT @limit`,
    );
    this.itemsStmt = db.prepare<Record<string, unknown>, ItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM operation_items
        WHERE operation_id = @id AND seq > @after AND (@state IS NULL OR state = @state) ORDER BY seq LIMIT @limit`,
    );
    this.queuedStmt = db.prepare<[string, number], ItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM operation_items WHERE operation_id = ? AND state = 'queued' ORDER BY seq LIMIT ?`,
    );
    this.finishItemStmt = db.prepare(
      `UPDATE operation_items SET state = @state, code = @code, detail = @detail, before = @before, after = @after,
         monthly_delta = @monthlyDelta, fee = @fee, finished_at = @finishedAt
       WHERE operation_id = @id AND seq = @seq AND state = 'queued'`,
    );
    this.bumpStmt = db.prepare(
      `UPDATE operations SET succeeded = succeeded + @succeeded, failed = failed + @failed, skipped = skipped + @skipped,
         cancelled = cancelled + @cancelled, monthly_delta = monthly_delta + @monthlyDelta, fees = fees + @fees
       WHERE id = @id`,
    );
    this.promoteStmt = db.prepare<[string]>(
      `UPDATE operations SET state = 'queued' WHERE state = 'scheduled' AND scheduled_at <= ?`,
    );
    this.dueStmt = db.prepare<[string], { n: number }>(
      `SELECT 1 AS n FROM operations WHERE state = 'scheduled' AND scheduled_at <= ? LIMIT 1`,
    );
    this.nextStmt = db.prepare<[], { id: string }>(
      // Small operations first (a block that fell due, one number's change), then in order of
      // submission: a bulk change of 100,000 numbers must not hold a scheduled block for its whole run.
      `SELECT id FROM operations WHERE state IN ('queued', 'running') ORDER BY total > 1000, rowid LIMIT 1`,
    );
    this.cancelItemsStmt = db.prepare<[string, string]>(
      `UPDATE operation_items SET state = 'cancelled', finished_at = ? WHERE operation_id = ? AND state = 'queued'`,
    );
    this.cancelRequestStmt = db.prepare<[string]>('UPDATE operations SET cancel_requested = 1 WHERE id = ?');
  }

  /** Stores a new operation with its targets (one transaction, by the caller). */
  insert(
    op: Omit<
      OperationRecord,
      | 'startedAt'
      | 'finishedAt'
      | 'succeeded'
      | 'failed'
      | 'skipped'
      | 'cancelled'
      | 'monthlyDelta'
      | 'fees'
      | 'rowValues'
      | 'cancelRequested'
    > & { rowValues?: RowValues[] },
    items: { target: string; params?: Record<string, unknown> | null }[],
  ): void {
    const { rowValues, ...record } = op;
    this.insertStmt.run({
      ...record,
      params: JSON.stringify(op.params),
      scope: op.scope ? JSON.stringify(op.scope) : null,
    });
    if (rowValues?.length) this.insertRowValuesStmt.run(op.id, JSON.stringify(rowValues));
    this.insertItems(op.id, 0, items);
  }

  /** Adds items after the first `done` of an operation (their seq follows on). */
  insertItems(
    id: string,
    done: number,
    items: { target: string; params?: Record<string, unknown> | null }[],
  ): void {
    items.forEach((item, i) =>
      this.insertItemStmt.run(
        id,
        done + i + 1,
        item.target,
        item.params ? JSON.stringify(item.params) : null,
      ),
    );
  }

  /** The state of an operation, or undefined when there is none. */
  stateOf(id: string): string | undefined {
    return this.db.prepare<[string], { state: string }>('SELECT state FROM operations WHERE id = ?').get(id)
      ?.state;
  }

  /** An operation whose items are all stored is let go: queued for the worker, or scheduled. False if it was cancelled meanwhile. */
  finishPreparing(id: string, state: 'queued' | 'scheduled'): boolean {
    return (
      this.db.prepare(`UPDATE operations SET state = ? WHERE id = ? AND state = 'preparing'`).run(state, id)
        .changes === 1
    );
  }

  /**
   * Drops the operations a stopped backend was still storing (run at start, in a transaction). Their
   * submitters never had an answer: a retry with the same Idempotency-Key stores them anew.
   */
  dropPreparing(): number {
    for (const table of ['operation_items', 'operation_row_values'])
      this.db.exec(
        `DELETE FROM ${table} WHERE operation_id IN (SELECT id FROM operations WHERE state = 'preparing')`,
      );
    return this.db.prepare(`DELETE FROM operations WHERE state = 'preparing'`).run().changes;
  }

  /** One operation. */
  get(id: string): OperationRecord | undefined {
    const row = this.getStmt.get(id);
    return row ? toOp(row) : undefined;
  }

  /** The operation this user created with this idempotency key. */
  byIdempotencyKey(userId: number, key: string): OperationRecord | undefined {
    const row = this.byKeyStmt.get(userId, key);
    return row ? toOp(row) : undefined;
  }

  /** Operations, newest first; `before` is the cursor (a rowid). */
  list(q: {
    createdBy: number | null;
    state?: string;
    type?: string;
    /** Only these types (null = any). */
    types?: string[] | null;
    since?: string;
    before?: number;
    limit: number;
  }): (OperationRecord & { rid: number })[] {
    return this.listStmt
      .all({
        createdBy: q.createdBy,
        state: q.state ?? null,
        type: q.type ?? null,
        types: q.types ? JSON.stringify(q.types) : null,
        since: q.since ?? null,
        before: q.before ?? Number.MAX_SAFE_INTEGER, // a bare comparison: the page starts at the cursor
        limit: q.limit,
      })
      .map((r) => ({ ...toOp(r), rid: r.rid }));
  }

  /** Items of an operation after `after` (seq), optionally in one state. */
  items(id: string, q: { state?: string; after: number; limit: number }): ItemRecord[] {
    return this.itemsStmt.all({ id, state: q.state ?? null, after: q.after, limit: q.limit }).map(toItem);
  }

  /** The next items to run. */
  queuedItems(id: string, limit: number): ItemRecord[] {
    return this.queuedStmt.all(id, limit).map(toItem);
  }

  /** Records an item's outcome (only if it was still queued: never twice). Returns true if written. */
  finishItem(id: string, o: ItemOutcome, finishedAt: string): boolean {
    return (
      this.finishItemStmt.run({
        id,
        seq: o.seq,
        state: o.state,
        code: o.code,
        detail: o.detail,
        before: o.before === undefined ? null : JSON.stringify(o.before),
        after: o.after === undefined ? null : JSON.stringify(o.after),
        monthlyDelta: o.monthlyDelta,
        fee: o.fee,
        finishedAt,
      }).changes === 1
    );
  }

  /** Adds to an operation's progress counters. */
  bump(
    id: string,
    d: {
      succeeded: number;
      failed: number;
      skipped: number;
      cancelled: number;
      monthlyDelta: number;
      fees: number;
    },
  ): void {
    this.bumpStmt.run({ id, ...d });
  }

  /** Sets the state and, when given, the start or finish time. */
  setState(id: string, state: string, times: { startedAt?: string; finishedAt?: string } = {}): void {
    const sets = ['state = @state'];
    if (times.startedAt) sets.push('started_at = coalesce(started_at, @startedAt)');
    if (times.finishedAt) sets.push('finished_at = @finishedAt');
    this.db.prepare(`UPDATE operations SET ${sets.join(', ')} WHERE id = @id`).run({ id, state, ...times });
  }

  /** Scheduled operations whose time has come become queued. Returns how many. */
  promoteDue(now: string): number {
    // Looked at first, written only when something is due: the worker asks every 250 ms, and an UPDATE
    // takes SQLite's one write lock even when it changes nothing — waiting behind the history thread's
    // transactions, on the HTTP thread.
    if (!this.dueStmt.get(now)) return 0;
    return this.promoteStmt.run(now).changes;
  }

  /** The oldest operation that has work to do. */
  nextRunnable(): string | undefined {
    return this.nextStmt.get()?.id;
  }

  /** Cancels every item not yet run; returns how many. */
  cancelQueuedItems(id: string, now: string): number {
    return this.cancelItemsStmt.run(now, id).changes;
  }

  /** Cancels a queued or scheduled operation that has not started: its items and its state, together. */
  cancelNotStarted(id: string, now: string): void {
    const op = this.get(id);
    const stored = this.cancelQueuedItems(id, now);
    // One still being stored has only some of its items yet; none of them ran.
    const n = op?.state === 'preparing' ? op.total : stored;
    this.bump(id, { succeeded: 0, failed: 0, skipped: 0, cancelled: n, monthlyDelta: 0, fees: 0 });
    this.setState(id, 'cancelled', { finishedAt: now });
  }

  /**
   * Cancels every queued or scheduled operation the user created, except those of the backend's own
   * actors (run in a transaction); returns their ids.
   */
  cancelPendingOf(userId: number, now: string, exceptActors: Iterable<string>): string[] {
    const ids = this.db
      .prepare<[number, string], { id: string }>(
        `SELECT id FROM operations WHERE created_by = ? AND state IN ('preparing', 'queued', 'scheduled')
            AND actor NOT IN (SELECT value FROM json_each(?)) ORDER BY rowid`,
      )
      .all(userId, JSON.stringify([...exceptActors]))
      .map((r) => r.id);
    for (const id of ids) this.cancelNotStarted(id, now);
    return ids;
  }

  /** Asks the worker to stop a running operation at its next chunk. */
  requestCancel(id: string): void {
    this.cancelRequestStmt.run(id);
  }
}

function toOp(row: OpRow): OperationRecord {
  return {
    ...row,
    params: JSON.parse(row.params) as Record<string, unknown>,
    scope: row.scope ? (JSON.parse(row.scope) as string[]) : null,
    rowValues: row.rowValues ? (JSON.parse(row.rowValues) as RowValues[]) : [],
    cancelRequested: row.cancelRequested === 1,
  };
}

function toItem(row: ItemRow): ItemRecord {
  return {
    ...row,
    params: row.params ? (JSON.parse(row.params) as Record<string, unknown>) : null,
    before: row.before ? (JSON.parse(row.before) as Record<string, unknown>) : null,
    after: row.after ? (JSON.parse(row.after) as Record<string, unknown>) : null,
  };
}
