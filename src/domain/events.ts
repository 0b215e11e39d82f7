/**
 * The event catalog: what the backend says happened, for `vm events`, the event stream and webhooks.
 * A type's name never changes once published (scripts and webhook receivers match on it); a new kind
 * of happening gets a new type. `subject` says what the event's `subject` field names.
 */
export const EVENT_TYPES = {
  'operation.finished': {
    subject: 'operation',
    description: 'An operation ended (succeeded, partially_failed, failed or cancelled), with its counts',
  },
  'operation.item_failed': {
    subject: 'operation',
    description: 'Numbers of an operation failed: one event per batch of items the worker applied together',
  },
  'line.blocked': { subject: 'number', description: 'A number was blocked (by an operation or a limit)' },
  'line.unblocked': { subject: 'number', description: 'A number was unblocked' },
  'line.status_changed': {
    subject: 'number',
    description: 'A number changed status (active, blocked, suspended_by_operator, terminated)',
  },
  'line.tariff_changed': { subject: 'number', description: 'A number moved to another tariff' },
  'line.services_changed': {
    subject: 'number',
    description: 'Services were added to or removed from a number',
  },
  'line.group_changed': { subject: 'number', description: 'A number moved to another group' },
  'line.limit_changed': {
    subject: 'number',
    description: "A number's own spending limit was set or removed",
  },
  'line.added': { subject: 'number', description: 'A new number came to the company (a SIM order)' },
  'line.sim_replaced': { subject: 'number', description: "A number's SIM card was replaced (new ICCID)" },
  'line.number_changed': {
    subject: 'number',
    description: 'A line got another phone number (the subject is the old number, data.to the new one)',
  },
  'limit.threshold_reached': {
    subject: 'number',
    description:
      "A number's usage passed an alert threshold (50/80/100% of its limit, or the rule's own value)",
  },
  'limit.breached': {
    subject: 'number',
    description: "A number's charges this period passed its spending limit (once per period)",
  },
  'balance.low': {
    subject: 'account',
    description: "An account's balance fell below its autopay threshold or zero",
  },
  'payment.received': {
    subject: 'account',
    description: 'A payment (or an autopay top-up) reached an account',
  },
  'appeal.answered': { subject: 'appeal', description: 'The operator answered an appeal' },
  'detail_request.ready': {
    subject: 'detail_request',
    description: 'A call detail request is ready to download',
  },
  'report.ready': { subject: 'report_job', description: 'A report job finished' },
  'user.login_failed': {
    subject: 'user',
    description: 'Logins to a user failed twice or more in a row (each failure from the second on)',
  },
  'consent.granted': { subject: 'number', description: "An employee consented to their number's location" },
  'consent.revoked': { subject: 'number', description: 'A location consent was revoked' },
  'webhook.paused': {
    subject: 'webhook',
    description: 'A webhook subscription paused: its creator was disabled or lost webhooks:admin',
  },
} as const satisfies Record<string, { subject: EventSubject; description: string }>;

/** What an event is about. */
export type EventSubject =
  'operation' | 'number' | 'account' | 'appeal' | 'detail_request' | 'report_job' | 'user' | 'webhook';

/** One type of the catalog. */
export type EventType = keyof typeof EVENT_TYPES;

/** Every event type, in catalog order. */
export const ALL_EVENT_TYPES = Object.keys(EVENT_TYPES) as EventType[];

/** True if `t` names a type of the catalog. */
export function isEventType(t: string): t is EventType {
  return Object.hasOwn(EVENT_TYPES, t);
}

/** How long the backend keeps an event (by its clock); older events are deleted in the background. */
export const EVENT_RETENTION_DAYS = 30;

/**
 * A type filter as a user writes it: exact types and `prefix.*` patterns, comma-separated
 * (`operation.finished,limit.*`). Returns the patterns, or the first one that matches no type.
 */
export function parseTypePatterns(text: string): { patterns: string[] } | { unknown: string } {
  const patterns = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of patterns) {
    if (!ALL_EVENT_TYPES.some((t) => typeMatches(p, t))) return { unknown: p };
  }
  return { patterns };
}

/** True if the type matches the pattern: the type itself, `*`, or `prefix.*`. */
export function typeMatches(pattern: string, type: string): boolean {
  if (pattern === '*' || pattern === type) return true;
  return pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1));
}

/** The catalog types a list of patterns selects (all of them for none). */
export function typesOf(patterns: readonly string[]): EventType[] {
  if (patterns.length === 0) return [...ALL_EVENT_TYPES];
  return ALL_EVENT_TYPES.filter((t) => patterns.some((p) => typeMatches(p, t)));
}

/** The fields of a number an operation changes, as before/after (the planner's `Fields`). */
export interface LineFields {
  tariff?: string;
  services?: string[];
  status?: string;
  blockReason?: string | null;
  iccid?: string;
  groupId?: string;
  msisdn?: string;
  limit?: { monthly: number; action: string } | null;
}

/** The events one applied change of a number makes: what changed, as `from`/`to` (and the details). */
export function lineChangeEvents(
  before: LineFields,
  after: LineFields,
): { type: EventType; data: Record<string, unknown> }[] {
  const out: { type: EventType; data: Record<string, unknown> }[] = [];
  if (after.status !== undefined && after.status !== before.status) {
    if (after.status === 'blocked')
      out.push({ type: 'line.blocked', data: { reason: after.blockReason ?? null } });
    else if (before.status === 'blocked' && after.status === 'active')
      out.push({ type: 'line.unblocked', data: {} });
    out.push({ type: 'line.status_changed', data: { from: before.status ?? null, to: after.status } });
  }
  if (after.tariff !== undefined && after.tariff !== before.tariff)
    out.push({ type: 'line.tariff_changed', data: { from: before.tariff ?? null, to: after.tariff } });
  if (after.services !== undefined) {
    const was = before.services ?? [];
    const added = after.services.filter((x) => !was.includes(x));
    const removed = was.filter((x) => !after.services?.includes(x));
    if (added.length || removed.length) out.push({ type: 'line.services_changed', data: { added, removed } });
  }
  if (after.groupId !== undefined && after.groupId !== before.groupId)
    out.push({ type: 'line.group_changed', data: { from: before.groupId ?? null, to: after.groupId } });
  if (after.limit !== undefined)
    out.push({ type: 'line.limit_changed', data: { from: before.limit ?? null, to: after.limit } });
  if (after.iccid !== undefined && after.iccid !== before.iccid)
    out.push({ type: 'line.sim_replaced', data: { from: before.iccid ?? null, to: after.iccid } });
  if (after.msisdn !== undefined && after.msisdn !== before.msisdn)
    out.push({ type: 'line.number_changed', data: { from: before.msisdn ?? null, to: after.msisdn } });
  return out;
}
