import { OPERATION_PERMISSION, type OperationType } from '../../domain/operations.js';
import type { OperationRecord } from '../store/operations-repo.js';
import type { Store } from '../store/store.js';
import { holdsOver, inScope, scopeOf, type Principal } from './authz.js';

/** The backend's own operations (a spending limit's block) act for the company, not for a person. */
export const SYSTEM_ACTORS = new Set(['limits']);

/** What the author of an operation may change when it runs. */
export interface AuthorRights {
  /** True if the author may still change a number in this group. */
  covers(groupId: string): boolean;
  /** Why nothing is covered (`disabled`, `token_revoked`, `permission_missing`), or null. */
  why: string | null;
  /** True if the author now holds `permission` over the group (for the move rule). */
  holds(permission: string, groupId: string): boolean;
}

/**
 * The author's rights now, not at submission: a scheduled or long operation runs on what its author may
 * do when each chunk runs — a disabled author, a revoked or expired token, or a permission or group taken
 * away stops the items it no longer covers. The scope stored at submission still bounds it (a later,
 * wider grant does not widen an old operation).
 */
export function authorRights(store: Store, op: OperationRecord, now: string): AuthorRights {
  if (SYSTEM_ACTORS.has(op.actor)) return { covers: () => true, why: null, holds: () => true };
  const none = (why: string): AuthorRights => ({ covers: () => false, why, holds: () => false });
  const principal = authorNow(store, op.createdBy, op.tokenId, now);
  if ('why' in principal) return none(principal.why);
  const groups = store.catalog.groupRecords();
  const scope = scopeOf(principal, OPERATION_PERMISSION[op.type as OperationType], groups);
  if (scope.kind === 'groups' && scope.ids.size === 0) return none('permission_missing');
  return {
    covers: (groupId) => inScope(scope, groupId),
    why: null,
    holds: (permission, groupId) => holdsOver(principal, permission, groupId, groups),
  };
}

/**
 * Whoever submitted background work (an operation, a report job), as they are now: their current grants
 * and status, through the token they used if they used one; or why they can no longer act (`disabled`,
 * `token_revoked`).
 */
export function authorNow(
  store: Store,
  userId: number,
  tokenId: number | null,
  now: string,
): Principal | { why: 'disabled' | 'token_revoked' } {
  const user = store.users.get(userId);
  if (!user || user.status !== 'active') return { why: 'disabled' };
  let token: Principal['token'] = null;
  if (tokenId !== null) {
    token = store.auth.findToken(user.id, String(tokenId)) ?? null;
    if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= now))
      return { why: 'token_revoked' };
  }
  return {
    user,
    via: token ? 'token' : 'session',
    sessionId: null,
    token,
    grants: store.users.grants(user.id),
  };
}
