import type { Db } from './db.js';

/** A webhook subscription as stored. */
export interface WebhookRecord {
  id: string;
  url: string;
  description: string | null;
  /** Event types and `prefix.*` patterns. */
  events: string[];
  secret: string;
  createdBy: number;
  /** The API token it was created with (its scope bounds the subscription), or null for a session. */
  tokenId: number | null;
  state: 'active' | 'paused';
  pausedReason: string | null;
  pausedAt: string | null;
  /** Events up to this id are not this subscription's. */
  afterEvent: number;
  createdAt: string;
}

/** A delivery as stored. */
export interface DeliveryRecord {
  seq: number;
  msgId: string;
  webhookId: string;
  eventId: number;
  eventType: string;
  /** The event's group and user: what the creator's scope is checked against at each attempt. */
  groupId: string | null;
  userId: number | null;
  state: 'pending' | 'delivered' | 'failed' | 'skipped';
  attempts: number;
  tries: number;
  nextAttemptAt: string | null;
  createdAt: string;
}

/** A pending delivery ready to send: its record and the body. */
export interface QueuedDelivery extends DeliveryRecord {
  body: string;
}

/** A new delivery (queued by the dispatcher). */
export interface NewDelivery {
  msgId: string;
  webhookId: string;
  eventId: number;
  eventType: string;
  groupId: string | null;
  userId: number | null;
  body: string;
  createdAt: string;
}

/** One attempt as stored. */
export interface AttemptRecord {
  deliverySeq: number;
  attempt: number;
  time: string;
  status: number | null;
  latencyMs: number;
  error: string | null;
}

/** What an attempt did to its delivery: delivered, failed for good, skipped, or to be tried again at a time. */
export interface AttemptOutcome {
  attempt: AttemptRecord | null;
  state: DeliveryRecord['state'];
  nextAttemptAt: string | null;
  finishedAt: string | null;
}

type WebhookRow = Omit<WebhookRecord, 'events'> & { events: string };

const WEBHOOK_COLUMNS = `id, url, description, events, secret, created_by AS createdBy, token_id AS tokenId, state,
  paused_reason AS pausedReason, paused_at AS pausedAt, after_event AS afterEvent, created_at AS createdAt`;
const DELIVERY_COLUMNS = `seq, msg_id AS msgId, webhook_id AS webhookId, event_id AS eventId, event_type AS eventType,
  group_id AS groupId, user_id AS userId, state, attempts, tries, next_attempt_at AS nextAttemptAt,
  created_at AS createdAt`;

/** Webhook subscriptions, their deliveries and the attempts to send them. */
export class WebhooksRepo {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listAllStmt;
  private readonly listMineStmt;
  private readonly activeStmt;
  private readonly countMineStmt;
  private readonly pauseStmt;
  private readonly resumeStmt;
  private readonly deleteAttemptsStmt;
  private readonly deleteDeliveriesStmt;
  private readonly deleteStmt;
  private readonly statsStmt;
  private readonly insertDeliveryStmt;
  private readonly headStmt;
  private readonly queueStmt;
  private readonly insertAttemptStmt;
  private readonly outcomeStmt;
  private readonly deliveriesStmt;
  private readonly attemptsStmt;
  private readonly deliveryStmt;
  private readonly requeueStmt;
  private readonly oldStmt;
  private readonly pruneAttemptsStmt;
  private readonly pruneStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO webhooks (id, url, description, events, secret, created_by, token_id, state, after_event, created_at)
       VALUES (@id, @url, @description, @events, @secret, @createdBy, @tokenId, 'active', @afterEvent, @createdAt)`,
    );
    this.getStmt = db.prepare<[string], WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?`);
    this.listAllStmt = db.prepare<[string, number], WebhookRow>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id > ? ORDER BY id LIMIT ?`,
    );
    this.listMineStmt = db.prepare<[number, string, number], WebhookRow>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE created_by = ? AND id > ? ORDER BY id LIMIT ?`,
    );
    this.activeStmt = db.prepare<[], WebhookRow>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE state = 'active' ORDER BY id`,
    );
    this.countMineStmt = db.prepare<[number], { n: number }>(
      'SELECT count(*) AS n FROM webhooks WHERE created_by = ?',
    );
    this.pauseStmt = db.prepare<[string, string, string]>(
      `UPDATE webhooks SET state = 'paused', paused_reason = ?, paused_at = ? WHERE id = ? AND state = 'active'`,
    );
    this.resumeStmt = db.prepare<[number, string]>(
      `UPDATE webhooks SET state = 'active', paused_reason = NULL, paused_at = NULL,
         after_event = max(after_event, ?) WHERE id = ?`,
    );
    this.deleteAttemptsStmt = db.prepare<[string]>(
      'DELETE FROM webhook_attempts WHERE delivery_seq IN (SELECT seq FROM webhook_deliveries WHERE webhook_id = ?)',
    );
    this.deleteDeliveriesStmt = db.prepare<[string]>('DELETE FROM webhook_deliveries WHERE webhook_id = ?');
    this.deleteStmt = db.prepare<[string]>('DELETE FROM webhooks WHERE id = ?');
    this.statsStmt = db.prepare<
      [string, string, string],
      { pending: number; failed: number; last: string | null }
    >(
      `SELECT
         (SELECT count(*) FROM webhook_deliveries WHERE webhook_id = ? AND state = 'pending') AS pending,
         (SELECT count(*) FROM webhook_deliveries WHERE webhook_id = ? AND state = 'failed') AS failed,
         (SELECT max(finished_at) FROM webhook_deliveries WHERE webhook_id = ? AND state = 'delivered') AS last`,
    );
    this.insertDeliveryStmt = db.prepare(
      `INSERT INTO webhook_deliveries (msg_id, webhook_id, event_id, event_type, group_id, user_id, body, state,
         next_attempt_at, created_at)
       VALUES (@msgId, @webhookId, @eventId, @eventType, @groupId, @userId, @body, 'pending', @createdAt, @createdAt)`,
    );
    this.headStmt = db.prepare<[string], { seq: number; nextAttemptAt: string }>(
      `SELECT seq, next_attempt_at AS nextAttemptAt FROM webhook_deliveries
       WHERE webhook_id = ? AND state = 'pending' ORDER BY seq LIMIT 1`,
    );
    this.queueStmt = db.prepare<[string, number], QueuedDelivery>(
      `SELECT ${DELIVERY_COLUMNS}, body FROM webhook_deliveries
       WHERE webhook_id = ? AND state = 'pending' ORDER BY seq LIMIT ?`,
    );
    this.insertAttemptStmt = db.prepare(
      `INSERT OR IGNORE INTO webhook_attempts (delivery_seq, attempt, time, status, latency_ms, error)
       SELECT @deliverySeq, @attempt, @time, @status, @latencyMs, @error
       WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE seq = @deliverySeq)`,
    );
    this.outcomeStmt = db.prepare(
      `UPDATE webhook_deliveries SET state = @state, next_attempt_at = @nextAttemptAt, finished_at = @finishedAt,
         attempts = attempts + @counted, tries = tries + @counted
       WHERE seq = @seq AND state = 'pending'`,
    );
    this.deliveriesStmt = db.prepare<Record<string, unknown>, DeliveryRecord>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE webhook_id = @webhookId AND (@state IS NULL OR state = @state) AND seq < @before
       ORDER BY seq DESC LIMIT @limit`,
    );
    this.attemptsStmt = db.prepare<[string], AttemptRecord>(
      `SELECT delivery_seq AS deliverySeq, attempt, time, status, latency_ms AS latencyMs, error
       FROM webhook_attempts WHERE delivery_seq IN (SELECT value FROM json_each(?)) ORDER BY delivery_seq, attempt`,
    );
    this.deliveryStmt = db.prepare<[string], DeliveryRecord>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE msg_id = ?`,
    );
    this.requeueStmt = db.prepare<[string, number]>(
      `UPDATE webhook_deliveries SET state = 'pending', tries = 0, next_attempt_at = ?, finished_at = NULL
       WHERE seq = ? AND state != 'pending'`,
    );
    this.oldStmt = db.prepare<[string], { seq: number }>(
      'SELECT seq FROM webhook_deliveries WHERE finished_at IS NOT NULL AND finished_at < ? LIMIT 1',
    );
    this.pruneAttemptsStmt = db.prepare<[string, number]>(
      `DELETE FROM webhook_attempts WHERE delivery_seq IN (SELECT seq FROM webhook_deliveries
         WHERE finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at LIMIT ?)`,
    );
    this.pruneStmt = db.prepare<[string, number]>(
      `DELETE FROM webhook_deliveries WHERE seq IN (SELECT seq FROM webhook_deliveries
         WHERE finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at LIMIT ?)`,
    );
  }

  /** Stores a new (active) subscription. */
  create(w: Omit<WebhookRecord, 'state' | 'pausedReason' | 'pausedAt'>): void {
    this.insertStmt.run({ ...w, events: JSON.stringify(w.events) });
  }

  get(id: string): WebhookRecord | undefined {
    const row = this.getStmt.get(id);
    return row && toWebhook(row);
  }

  /** Subscriptions in id order after `after`: every one, or those `createdBy` made. */
  list(createdBy: number | null, after: string, limit: number): WebhookRecord[] {
    const rows =
      createdBy === null
        ? this.listAllStmt.all(after, limit)
        : this.listMineStmt.all(createdBy, after, limit);
    return rows.map(toWebhook);
  }

  /** Every active subscription. */
  active(): WebhookRecord[] {
    return this.activeStmt.all().map(toWebhook);
  }

  /** How many subscriptions a user made. */
  countOf(userId: number): number {
    return this.countMineStmt.get(userId)?.n ?? 0;
  }

  /** Pauses an active subscription; true if it was active. */
  pause(id: string, reason: string, at: string): boolean {
    return this.pauseStmt.run(reason, at, id).changes > 0;
  }

  /** Makes a subscription active again; events up to `afterEvent` are not its. */
  resume(id: string, afterEvent: number): void {
    this.resumeStmt.run(afterEvent, id);
  }

  /** Deletes a subscription, its deliveries and their attempts. */
  remove(id: string): void {
    this.deleteAttemptsStmt.run(id);
    this.deleteDeliveriesStmt.run(id);
    this.deleteStmt.run(id);
  }

  /** Pending and failed deliveries, and the time of the last one delivered. */
  stats(id: string): { pending: number; failed: number; last: string | null } {
    return this.statsStmt.get(id, id, id) ?? { pending: 0, failed: 0, last: null };
  }

  /** Queues a delivery (in the dispatcher's transaction), due at once. */
  queue(d: NewDelivery): void {
    this.insertDeliveryStmt.run(d);
  }

  /** The oldest pending delivery of a subscription: its seq and when it is due. */
  head(webhookId: string): { seq: number; nextAttemptAt: string } | undefined {
    return this.headStmt.get(webhookId);
  }

  /** The oldest pending deliveries of a subscription, with their bodies, oldest first. */
  pending(webhookId: string, limit: number): QueuedDelivery[] {
    return this.queueStmt.all(webhookId, limit);
  }

  /**
   * Records what attempts did (in the caller's transaction). A delivery no longer pending (its
   * subscription removed, or already recorded) is left alone.
   */
  record(outcomes: (AttemptOutcome & { seq: number })[]): void {
    for (const o of outcomes) {
      const changed = this.outcomeStmt.run({
        seq: o.seq,
        state: o.state,
        nextAttemptAt: o.nextAttemptAt,
        finishedAt: o.finishedAt,
        counted: o.attempt ? 1 : 0,
      }).changes;
      if (changed && o.attempt) this.insertAttemptStmt.run(o.attempt);
    }
  }

  /** A page of a subscription's deliveries, newest first, with their attempts. */
  deliveries(
    webhookId: string,
    state: string | null,
    before: number,
    limit: number,
  ): { delivery: DeliveryRecord; attempts: AttemptRecord[] }[] {
    const rows = this.deliveriesStmt.all({ webhookId, state, before, limit });
    return this.withAttempts(rows);
  }

  /** One delivery by its id (the webhook-id header), with its attempts. */
  delivery(msgId: string): { delivery: DeliveryRecord; attempts: AttemptRecord[] } | undefined {
    const row = this.deliveryStmt.get(msgId);
    return row ? this.withAttempts([row])[0] : undefined;
  }

  /** Queues a finished delivery again, due at `at`; false if it was still pending. */
  requeue(seq: number, at: string): boolean {
    return this.requeueStmt.run(at, seq).changes > 0;
  }

  /** True if some delivery finished before `before`. */
  hasFinishedBefore(before: string): boolean {
    return this.oldStmt.get(before) !== undefined;
  }

  /** Deletes up to `limit` deliveries finished before `before`, with their attempts; returns how many. */
  prune(before: string, limit: number): number {
    this.pruneAttemptsStmt.run(before, limit);
    return this.pruneStmt.run(before, limit).changes;
  }

  private withAttempts(rows: DeliveryRecord[]): { delivery: DeliveryRecord; attempts: AttemptRecord[] }[] {
    if (rows.length === 0) return [];
    const attempts = this.attemptsStmt.all(JSON.stringify(rows.map((r) => r.seq)));
    const bySeq = new Map<number, AttemptRecord[]>();
    for (const a of attempts) bySeq.set(a.deliverySeq, [...(bySeq.get(a.deliverySeq) ?? []), a]);
    return rows.map((delivery) => ({ delivery, attempts: bySeq.get(delivery.seq) ?? [] }));
  }
}

function toWebhook(r: WebhookRow): WebhookRecord {
  return { ...r, events: JSON.parse(r.events) as string[] };
}
