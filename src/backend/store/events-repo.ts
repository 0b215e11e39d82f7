import type { Db } from './db.js';

/** An event as stored. */
export interface EventRecord {
  id: number;
  time: string;
  type: string;
  subjectType: string;
  subject: string;
  /** The group of the number it is about, then; null for company events. */
  groupId: string | null;
  /** The user whose own work it tells of (their operation, report, request); null otherwise. */
  userId: number | null;
  data: Record<string, unknown>;
}

/** What a reader may see: everything, or events in these groups and the user's own. */
export interface EventVisibility {
  /** null: every event. */
  groupIds: string[] | null;
  userId: number;
}

/** Filters of a read: types (exact), a subject, a time window, after an id, oldest or newest first. */
export interface EventFilter {
  types: string[] | null;
  subject?: string;
  since?: string;
  until?: string;
  after: number;
  before: number;
  desc: boolean;
  limit: number;
}

type EventRow = Omit<EventRecord, 'data'> & { data: string };

const COLUMNS =
  'id, time, type, subject_type AS subjectType, subject, group_id AS groupId, user_id AS userId, data';
const WHERE = `id > @after AND id < @before
  AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
  AND (@subject IS NULL OR subject = @subject)
  AND (@since IS NULL OR time >= @since)
  AND (@until IS NULL OR time < @until)
  AND (@groups IS NULL OR user_id = @userId OR group_id IN (SELECT value FROM json_each(@groups)))`;

/** The event log: appended in the transaction of what it tells of, read in id order, pruned by age. */
export class EventsRepo {
  private readonly insertStmt;
  private readonly ascStmt;
  private readonly descStmt;
  private readonly lastStmt;
  private readonly pruneStmt;
  private readonly oldStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO events (time, type, subject_type, subject, group_id, user_id, data)
       VALUES (@time, @type, @subjectType, @subject, @groupId, @userId, @data)`,
    );
    this.ascStmt = db.prepare<Record<string, unknown>, EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE ${WHERE} ORDER BY id LIMIT @limit`,
    );
    this.descStmt = db.prepare<Record<string, unknown>, EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE ${WHERE} ORDER BY id DESC LIMIT @limit`,
    );
    this.lastStmt = db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM events');
    this.oldStmt = db.prepare<[string], { id: number }>('SELECT id FROM events WHERE time < ? LIMIT 1');
    this.pruneStmt = db.prepare<[string, number]>(
      'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE time < ? ORDER BY id LIMIT ?)',
    );
  }

  /** Appends an event; returns its id. */
  append(e: Omit<EventRecord, 'id'>): number {
    return Number(this.insertStmt.run({ ...e, data: JSON.stringify(e.data) }).lastInsertRowid);
  }

  /** Events a reader may see, filtered, in id order (or newest first). */
  list(seen: EventVisibility, f: EventFilter): EventRecord[] {
    const rows = (f.desc ? this.descStmt : this.ascStmt).all({
      after: f.after,
      before: f.before,
      types: f.types ? JSON.stringify(f.types) : null,
      subject: f.subject ?? null,
      since: f.since ?? null,
      until: f.until ?? null,
      groups: seen.groupIds ? JSON.stringify(seen.groupIds) : null,
      userId: seen.userId,
      limit: f.limit,
    });
    return rows.map(toRecord);
  }

  /** The newest event's id (0 when there is none). */
  lastId(): number {
    return this.lastStmt.get()?.id ?? 0;
  }

  /** True if some event is older than `before`. */
  hasBefore(before: string): boolean {
    return this.oldStmt.get(before) !== undefined;
  }

  /** Deletes up to `limit` events older than `before`; returns how many. */
  prune(before: string, limit: number): number {
    return this.pruneStmt.run(before, limit).changes;
  }
}

function toRecord(r: EventRow): EventRecord {
  return {
    id: r.id,
    time: r.time,
    type: r.type,
    subjectType: r.subjectType,
    subject: r.subject,
    groupId: r.groupId,
    userId: r.userId,
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}
