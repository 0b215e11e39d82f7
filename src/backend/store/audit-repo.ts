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

  constructor(db: Db) {
    this.insertAuditStmt = db.prepare(
      `INSERT INTO audit (time, actor, actor_type, action, target, params, result, ip, request_id)
       VALUES (@time, @actor, @actorType, @action, @target, @params, @result, @ip, @requestId)`,
    );
    this.insertNotificationStmt = db.prepare(
      'INSERT INTO notifications (time, channel, recipient, user_id, text) VALUES (?, ?, ?, ?, ?)',
    );
    this.notificationsStmt = db.prepare<[number, number, number], NotificationRecord>(
      `SELECT id, time, channel, recipient, text FROM notifications WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    );
  }

  /** Appends an audit entry. */
  append(e: AuditEntry): void {
    this.insertAuditStmt.run({ ...e, params: JSON.stringify(e.params) });
  }

  /** Queues a message to the outbox. */
  notify(
    time: string,
    channel: 'sms' | 'email',
    recipient: string,
    userId: number | null,
    text: string,
  ): void {
    this.insertNotificationStmt.run(time, channel, recipient, userId, text);
  }

  /** The user's notifications, newest first, before id `before`. */
  notifications(userId: number, before: number, limit: number): NotificationRecord[] {
    return this.notificationsStmt.all(userId, before, limit);
  }
}
