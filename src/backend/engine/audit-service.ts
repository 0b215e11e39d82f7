import { requireMsisdn } from './number-param.js';
import type { AuditEntry, AuditQuery } from '../../api/auth.js';
import type { Page } from '../../api/common.js';
import type { Clock } from '../../domain/clock.js';
import type { Store } from '../store/store.js';
import type { AuditEntry as AuditRow } from '../store/audit-repo.js';
import type { RequestOrigin } from './auth-service.js';
import { actorName, scopeIds, scopeOf, type Principal } from './authz.js';
import { decodeIntCursor, pageOf } from './paging.js';

/**
 * Who an audit row names: a principal (a user through a session or a token), a named actor of the given
 * kind (an operation's author, a login that matched no one, the backend's own `billing` or `autopay`), or
 * `anonymous` (a request refused before anyone was authenticated).
 */
export type AuditActor = Principal | { name: string; type: 'user' | 'system' } | 'anonymous';

/** What happened, for one audit row. */
export interface AuditEvent {
  actor: AuditActor;
  action: string;
  /** The number, user, account or operation it was about; none by default. */
  target?: string | null;
  /** Secrets removed by the caller; the store keeps a bounded summary. Empty by default. */
  params?: Record<string, unknown>;
  /** `ok` by default; `failed: <code>`, `denied: <code>` otherwise. */
  result?: string;
  /** The request it came from; what the backend does on its own has no IP and no request id. */
  origin?: Pick<RequestOrigin, 'ip' | 'requestId'>;
}

/**
 * Appends one audit row: the one place that decides what a row holds. `at` is the clock (stamped now) or
 * the time the change took effect (a worker chunk or a billing event, which may lag the clock).
 */
export function writeAudit(store: Store, at: Clock | string, e: AuditEvent): void {
  store.audit.append({
    time: typeof at === 'string' ? at : at.now().toISOString(),
    ...actorFields(e.actor),
    action: e.action,
    target: e.target ?? null,
    params: e.params ?? {},
    result: e.result ?? 'ok',
    ip: e.origin?.ip ?? '',
    requestId: e.origin?.requestId ?? '',
  });
}

function actorFields(actor: AuditActor): Pick<AuditRow, 'actor' | 'actorType'> {
  if (actor === 'anonymous') return { actor: 'anonymous', actorType: 'anonymous' };
  if ('user' in actor) return { actor: actorName(actor), actorType: actor.token ? 'token' : 'user' };
  return { actor: actor.name, actorType: actor.type };
}

/** Reading the audit log within the caller's audit:read scope. */
export class AuditService {
  constructor(private readonly store: Store) {}

  /** A page of audit entries, newest first. */
  list(p: Principal, q: AuditQuery & { limit?: number; cursor?: string }): Page<AuditEntry> {
    const limit = q.limit ?? 100;
    let target: string | undefined;
    if (q.number !== undefined) target = requireMsisdn(q.number);
    const scope = scopeOf(p, 'audit:read', this.store.catalog.groupRecords());
    const rows = this.store.audit.list({
      actor: q.actor,
      action: q.action,
      target,
      since: q.since,
      until: q.until,
      failed: q.result === 'failed',
      groupIds: scopeIds(scope),
      before: decodeIntCursor(q.cursor) ?? Number.MAX_SAFE_INTEGER,
      limit: limit + 1,
    });
    return pageOf(rows, limit, (r) => r.id);
  }
}
