import { requireMsisdn } from './number-param.js';
import type { AuditEntry, AuditQuery } from '../../api/auth.js';
import type { Page } from '../../api/common.js';
import type { Store } from '../store/store.js';
import { scopeIds, scopeOf, type Principal } from './authz.js';
import { decodeIntCursor, pageOf } from './paging.js';

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
