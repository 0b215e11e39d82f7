import { PassThrough, type Readable } from 'node:stream';
import type { Event, EventQuery, EventStreamQuery, EventTypeList } from '../../api/events.js';
import type { Page } from '../../api/common.js';
import { ApiError } from '../../api/errors.js';
import type { Clock } from '../../domain/clock.js';
import {
  ALL_EVENT_TYPES,
  EVENT_RETENTION_DAYS,
  EVENT_TYPES,
  parseTypePatterns,
  typesOf,
  type EventType,
} from '../../domain/events.js';
import type { Store } from '../store/store.js';
import type { EventRecord, EventVisibility } from '../store/events-repo.js';
import type { OperationRecord } from '../store/operations-repo.js';
import { scopeIds, scopeOf, type Principal } from './authz.js';
import { requireMsisdn } from './number-param.js';
import { decodeIntCursor, pageOf } from './paging.js';

/** One event to record: its type, what it is about, and who may see it besides company-wide readers. */
export interface NewEvent {
  type: EventType;
  subject: string;
  /** The group of the number it is about (readers with events:read there see it). */
  groupId?: string | null;
  /** The user whose own work it tells of (they see it wherever their events:read reaches). */
  userId?: number | null;
  data?: Record<string, unknown>;
}

/**
 * Records an event, in the caller's transaction: an event exists exactly when what it tells of was
 * committed. `at` is the clock (stamped now) or the time the change took effect (a worker chunk).
 */
export function recordEvent(store: Store, at: Clock | string, e: NewEvent): number {
  return store.events.append({
    time: typeof at === 'string' ? at : at.now().toISOString(),
    type: e.type,
    subjectType: EVENT_TYPES[e.type].subject,
    subject: e.subject,
    groupId: e.groupId ?? null,
    userId: e.userId ?? null,
    data: e.data ?? {},
  });
}

/** `operation.finished` of an operation that has just reached its final state, with its counts. */
export function recordOperationFinished(store: Store, at: string, op: OperationRecord): void {
  recordEvent(store, at, {
    type: 'operation.finished',
    subject: op.id,
    userId: op.createdBy,
    data: {
      operationType: op.type,
      state: op.state,
      total: op.total,
      succeeded: op.succeeded,
      failed: op.failed,
      skipped: op.skipped,
      cancelled: op.cancelled,
      fees: op.fees,
      parentId: op.parentId,
      rollbackOf: op.rollbackOf,
    },
  });
}

/** The API's view of a stored event. */
export function eventView(r: EventRecord): Event {
  return {
    id: r.id,
    time: r.time,
    type: r.type,
    subjectType: r.subjectType as Event['subjectType'],
    subject: r.subject,
    groupId: r.groupId,
    data: r.data,
  };
}

/** How often an open stream looks for new events, and says it is alive when there are none. */
export const STREAM_POLL_MS = 200;
export const STREAM_HEARTBEAT_MS = 15_000;
/** How often an open stream checks its caller again (a revoked token, a disabled user, new grants). */
export const STREAM_RECHECK_MS = 30_000;
/** Events read per look; the stream writes them before the next. */
const STREAM_BATCH = 500;
/** Open streams a user may hold at once (each looks for events 5 times a second). */
export const MAX_STREAMS_PER_USER = 5;

/** What an event reader needs of the engine: the caller again, for an open stream. */
export interface StreamCaller {
  /** The caller as of now; throws (ApiError) when the session or token no longer holds. */
  recheck(): Principal;
}

/** Reading events within the caller's events:read scope: lists, the catalog, the stream; and pruning. */
export class EventsService {
  /** Open streams, ended when the backend stops. */
  private readonly open = new Set<() => void>();
  /** Open streams per user id. */
  private readonly perUser = new Map<number, number>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly timers: { pollMs?: number; heartbeatMs?: number; recheckMs?: number } = {},
  ) {}

  /** The catalog of event types. */
  types(): EventTypeList {
    return {
      data: ALL_EVENT_TYPES.map((type) => ({
        type,
        subjectType: EVENT_TYPES[type].subject,
        description: EVENT_TYPES[type].description,
      })),
      retentionDays: EVENT_RETENTION_DAYS,
    };
  }

  /** A page of events the caller may see, oldest first (or newest first with order=desc). */
  list(p: Principal, q: EventQuery & { limit?: number; cursor?: string }): Page<Event> {
    const limit = q.limit ?? 100;
    const desc = q.order === 'desc';
    const cursor = decodeIntCursor(q.cursor);
    const rows = this.store.events.list(this.visibility(p), {
      types: typeFilter(q.type),
      subject: subjectOf(q),
      since: q.since,
      until: q.until,
      after: Math.max(q.after ?? 0, desc ? 0 : (cursor ?? 0)),
      before: desc && cursor !== undefined ? cursor : Number.MAX_SAFE_INTEGER,
      desc,
      limit: limit + 1,
    });
    return pageOf(rows, limit, (r) => r.id, eventView);
  }

  /**
   * The event stream (Server-Sent Events) from after event `after` (else from now): each event the caller may see as
   * `id`/`event`/`data` lines, a comment every heartbeat when there is none, until the client goes or
   * the caller's session or token ends (then an `event: end` with the reason, and the stream closes).
   * Filters are checked before the first byte.
   */
  stream(caller: StreamCaller, first: Principal, q: EventStreamQuery, after: number | undefined): Readable {
    const from = after ?? this.store.events.lastId();
    const types = typeFilter(q.type);
    const subject = subjectOf(q);
    const userId = first.user.id;
    const held = this.perUser.get(userId) ?? 0;
    if (held >= MAX_STREAMS_PER_USER) {
      throw new ApiError(
        'rate_limited',
        `You have ${MAX_STREAMS_PER_USER} event streams open; close one (each follower needs only one)`,
        { reason: 'too_many_streams', max: MAX_STREAMS_PER_USER, retryAfter: 5 },
      );
    }
    this.perUser.set(userId, held + 1);
    const out = new PassThrough();
    let principal = first;
    let seen = this.visibility(principal);
    let cursor = from;
    let lastWrite = Date.now();
    let lastCheck = Date.now();
    let closed = false;
    const pollMs = this.timers.pollMs ?? STREAM_POLL_MS;
    const heartbeatMs = this.timers.heartbeatMs ?? STREAM_HEARTBEAT_MS;
    const recheckMs = this.timers.recheckMs ?? STREAM_RECHECK_MS;
    const write = (text: string): Promise<void> | undefined => {
      lastWrite = Date.now();
      if (out.write(text)) return undefined;
      return new Promise((resolve) => out.once('drain', resolve));
    };
    const end = (reason: string) => {
      if (closed) return;
      closed = true;
      out.end(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    };
    const stop = () => end('shutdown');
    this.open.add(stop);
    out.on('close', () => {
      closed = true;
      if (this.open.delete(stop)) {
        const left = (this.perUser.get(userId) ?? 1) - 1;
        if (left > 0) this.perUser.set(userId, left);
        else this.perUser.delete(userId);
      }
    });
    const tick = async (): Promise<void> => {
      if (closed) return;
      try {
        if (Date.now() - lastCheck >= recheckMs) {
          lastCheck = Date.now();
          principal = caller.recheck();
          seen = this.visibility(principal);
        }
        const newest = this.store.events.lastId();
        while (!closed && newest > cursor) {
          const rows = this.store.events.list(seen, {
            types,
            subject,
            after: cursor,
            before: newest + 1,
            desc: false,
            limit: STREAM_BATCH,
          });
          // Fewer than a batch: every event up to `newest` has been looked at, shown or not.
          cursor = rows.length < STREAM_BATCH ? newest : (rows[rows.length - 1]?.id ?? newest);
          let text = '';
          for (const r of rows) text += sseEvent(eventView(r));
          if (text) await write(text);
        }
        if (!closed && Date.now() - lastWrite >= heartbeatMs) await write(': keep-alive\n\n');
      } catch (err) {
        end(err instanceof ApiError ? err.code : 'error');
        return;
      }
      if (!closed) setTimeout(() => void tick(), pollMs).unref();
    };
    // The retry hint and the point the stream starts after, as an id without data: the answer's head goes
    // out at once, and a client that loses the stream before its first event resumes from here
    // (EventSource takes lastEventId from such a message too).
    out.write(`retry: 2000\nid: ${from}\n\n`);
    setImmediate(() => void tick());
    return out;
  }

  /** Ends every open stream (the backend is stopping): an `end` event with reason `shutdown`. */
  closeStreams(): void {
    for (const stop of [...this.open]) stop();
  }

  private nextPrune = 0;

  /**
   * Background work: deletes events past their retention, 2,000 a slice; true if it deleted some. It
   * looks at most once a minute (of the backend's clock) while there is nothing to delete, and looks before it writes (an idle
   * backend must not take SQLite's write lock for nothing).
   */
  step(): boolean {
    const now = this.clock.now().getTime();
    if (now < this.nextPrune) return false;
    const before = new Date(now - EVENT_RETENTION_DAYS * 86_400_000).toISOString();
    if (this.store.events.hasBefore(before) && this.store.events.prune(before, 2000) > 0) return true;
    this.nextPrune = now + 60_000;
    return false;
  }

  private visibility(p: Principal): EventVisibility {
    return {
      groupIds: scopeIds(scopeOf(p, 'events:read', this.store.catalog.groupRecords())),
      userId: p.user.id,
    };
  }
}

/** One event in Server-Sent Events framing: its id (for Last-Event-ID), type and JSON (one line). */
export function sseEvent(e: Event): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** The types a filter selects (null for none given); an unknown one is a 400 naming it. */
function typeFilter(text: string | undefined): string[] | null {
  if (text === undefined || text.trim() === '') return null;
  const parsed = parseTypePatterns(text);
  if ('unknown' in parsed) {
    throw new ApiError('validation_failed', `No event type matches "${parsed.unknown}"`, {
      reason: 'unknown_event_type',
      type: parsed.unknown,
    });
  }
  return typesOf(parsed.patterns);
}

function subjectOf(q: { number?: string; subject?: string }): string | undefined {
  return q.number !== undefined ? requireMsisdn(q.number) : q.subject;
}

/**
 * The event id a stream resumes after: the Last-Event-ID header (as EventSource sends it), else `after`;
 * undefined for neither (a new stream starts with the events that come next).
 */
export function resumePoint(lastEventId: string | undefined, after: number | undefined): number | undefined {
  if (lastEventId !== undefined && /^\d{1,15}$/.test(lastEventId.trim())) return Number(lastEventId.trim());
  if (lastEventId !== undefined && lastEventId.trim() !== '') {
    throw new ApiError('validation_failed', 'Last-Event-ID must be an event id (digits)', {
      reason: 'last_event_id_invalid',
    });
  }
  return after;
}
