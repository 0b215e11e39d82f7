import { auditSummary, auditText } from '../../domain/audit-summary.js';
import { plainText } from '../../domain/plain-text.js';
import type { Db } from './db.js';

/** One audit entry. Entries are only ever appended. */
export interface AuditEntry {
  time: string;
  actor: string;
  actorType: 'user' | 'token' | 'anonymous' | 'system';
  action: string;
  target: string | null;
  params: Record<string, unknown>;
  result: string;
  ip: string;
  requestId: string;
}

/** A notification of the outbox (the SMS or e-mail the operator would send). */
export interface NotificationRecord {
  id: number;
  time: string;
  channel: string;
  recipient: string;
  text: string;
}

/** The append-only audit log and the notification outbox. */
export class AuditRepo {
  private readonly insertAuditStmt;
  private readonly insertNotificationStmt;
  private readonly notificationsStmt;
  private readonly listStmt;

  constructor(private readonly db: Db) {
    this.insertAuditStmt = db.prepare(
      `INSERT INTO audit (time, actor, actor_type, action, target, params, result, ip, request_id)
       VALUES (@time, @actor, @actorType, @action, @target, @params, @result, @ip, @requestId)`,
    );
    this.insertNotificationStmt = db.prepare(
      'INSERT INTO notifications (time, channel, recipient, user_id, text) VALUES (?, ?, ?, ?, ?)',
    );
    this.listStmt = db.prepare<
      Record<string, unknown>,
      Omit<AuditEntry, 'params'> & { id: number; params: string }
    >(
      `SELECT id, time, actor, actor_type AS actorType, action, target, params, result, ip, request_id AS requestId
         FROM audit
        WHERE id < @before
          AND (@actor IS NULL OR instr(lower(actor), lower(@actor)) > 0)
          AND (@action IS NULL OR action = @action OR action LIKE @action || '.%')
          AND (@target IS NULL OR target = @target)
          AND (@since IS NULL OR time >= @since)
          AND (@until IS NULL OR time < @until)
          AND (@failed IS NULL OR result <> 'ok')
          AND (@groups IS NULL OR target IN (SELECT msisdn FROM numbers WHERE group_id IN (SELECT value FROM json_each(@groups))))
        ORDER BY id DESC LIMIT @limit`,
    );
    this.notificationsStmt = db.prepare<[number, number, number], NotificationRecord>(
      `SELECT id, time, channel, recipient, text FROM notifications WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    );
  }

  /** Audit entries, newest first, before id `before`, filtered; `targets` limits to entries about these numbers. */
  list(q: {
    actor?: string;
    action?: string;
    target?: string;
    since?: string;
    until?: string;
    failed?: boolean;
    groupIds?: string[] | null;
    before: number;
    limit: number;
  }): (AuditEntry & { id: number })[] {
    const rows = this.listStmt.all({
      actor: q.actor ?? null,
      action: q.action ?? null,
      target: q.target ?? null,
      since: q.since ?? null,
      until: q.until ?? null,
      failed: q.failed ? 1 : null,
      groups: q.groupIds ? JSON.stringify(q.groupIds) : null,
      before: q.before,
      limit: q.limit,
    });
    return rows.map((r) => ({ ...r, params: JSON.parse(r.params) as Record<string, unknown> }));
  }

  /** Appends an audit entry: every row, from any caller, holds a bounded summary of its params (≤ 4 KB). */
  append(e: AuditEntry): void {
    this.insertAuditStmt.run({
      ...e,
      actor: auditText(e.actor),
      action: auditText(e.action),
      target: e.target === null ? null : auditText(e.target),
      params: JSON.stringify(auditSummary(e.params)),
    });
  }

  /**
   * Queues a message to the outbox. Every SMS and e-mail passes here, so this is where their text is made
   * plain: names and client strings interpolated into it may hold control characters (ESC, CR, bidi
   * overrides) from wherever they were stored, and none of them reaches a phone or a mail reader.
   */
  notify(
    time: string,
    channel: 'sms' | 'email',
    recipient: string,
    userId: number | null,
    text: string,
  ): void {
    this.insertNotificationStmt.run(time, channel, recipient, userId, plainText(text));
  }

  /** The whole outbox (test mode), newest first, optionally for one recipient. */
  outbox(recipient: string | undefined): NotificationRecord[] {
    return this.db
      .prepare<[string | null, string | null], NotificationRecord>(
        'SELECT id, time, channel, recipient, text FROM notifications WHERE ? IS NULL OR recipient = ? COLLATE NOCASE ORDER BY id DESC LIMIT 1000',
      )
      .all(recipient ?? null, recipient ?? null);
  }

  /** The user's notifications, newest first, before id `before`. */
  notifications(userId: number, before: number, limit: number): NotificationRecord[] {
    return this.notificationsStmt.all(userId, before, limit);
  }
}
