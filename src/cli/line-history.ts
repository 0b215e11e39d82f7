import type { AuditEntry } from '../api/auth.js';
import type { Event } from '../api/events.js';
import { lineChangeEvents, type LineFields } from '../domain/events.js';
import { eventSummary } from './event-summary.js';

/** One change in a number's history: when, what kind (an event type), from → to, by whom, through which operation. */
export interface HistoryEntry {
  time: string;
  change: string;
  from: unknown;
  to: unknown;
  /** The rest of what is known, as `eventSummary` words it. */
  detail: string;
  by: string | null;
  operationId: string | null;
}

/**
 * A number's history from its events and the audit log, oldest first. The audit log has each change an
 * operation made (before/after) with who made it, for as long as it is kept; events have those since they
 * exist (30 days) and what no operation made (limits passed, consents). A change both tell of (the same
 * operation, the same kind) is one entry: the event's, with the audit's author.
 */
export function lineHistory(events: Event[], audit: AuditEntry[]): HistoryEntry[] {
  const byKey = new Map<string, HistoryEntry>();
  const out: HistoryEntry[] = [];
  const add = (e: HistoryEntry) => {
    const key = e.operationId ? `${e.operationId}|${e.change}` : undefined;
    const known = key ? byKey.get(key) : undefined;
    if (known) {
      known.by ??= e.by;
      return;
    }
    if (key) byKey.set(key, e);
    out.push(e);
  };
  for (const e of events) {
    const { from, to, operationId, ...rest } = e.data as Record<string, unknown>;
    add({
      time: e.time,
      change: e.type,
      from: from ?? null,
      to: to ?? null,
      detail: eventSummary({ data: rest }),
      by: null,
      operationId: typeof operationId === 'string' ? operationId : null,
    });
  }
  for (const a of audit) {
    const p = a.params as { operationId?: unknown; before?: unknown; after?: unknown };
    if (typeof p.operationId !== 'string' || !isFields(p.after)) continue;
    for (const change of lineChangeEvents(isFields(p.before) ? p.before : {}, p.after)) {
      const { from, to, ...rest } = change.data;
      add({
        time: a.time,
        change: change.type,
        from: from ?? null,
        to: to ?? null,
        detail: eventSummary({ data: rest }),
        by: a.actor,
        operationId: p.operationId,
      });
    }
  }
  return out.sort((x, y) => (x.time < y.time ? -1 : x.time > y.time ? 1 : 0));
}

function isFields(v: unknown): v is LineFields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
