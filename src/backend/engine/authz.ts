import { ApiError } from '../../api/errors.js';
import { isPermission, type Permission } from '../../domain/permissions.js';
import type { GroupRecord } from '../store/catalog-repo.js';
import type { TokenRecord } from '../store/auth-repo.js';
import type { GrantRecord, UserRecord } from '../store/users-repo.js';

/** Who is calling: a user through a session or through an API token. */
export interface Principal {
  user: UserRecord;
  via: 'session' | 'token';
  sessionId: number | null;
  token: TokenRecord | null;
  grants: GrantRecord[];
}

/** The groups a permission reaches: `all`, or a set of group ids (subtrees expanded; may be empty). */
export type Scope = { kind: 'all' } | { kind: 'groups'; ids: Set<string> };

/** The name the audit log shows for a principal. */
export function actorName(p: Principal): string {
  return p.token ? `${p.user.email} (token ${p.token.name})` : p.user.email;
}

/** True if the principal holds `permission` anywhere (through a token only if the token's scope has it). */
export function holds(p: Principal, permission: Permission): boolean {
  if (p.token && !p.token.scope.includes(permission)) return false;
  return p.grants.some((g) => g.permissions.includes(permission));
}

/** Every group id in the subtrees rooted at `roots`. */
export function expandSubtrees(groups: GroupRecord[], roots: Iterable<string>): Set<string> {
  const children = new Map<string, string[]>();
  for (const g of groups) {
    if (g.parentId) children.set(g.parentId, [...(children.get(g.parentId) ?? []), g.id]);
  }
  const out = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop() as string;
    if (out.has(id)) continue;
    out.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return out;
}

/**
 * A group by id or name (any case); 404 `group_not_found` when there is none, or when `visible` says the
 * caller may not see it — out of scope looks exactly like unknown.
 */
export function findGroup(
  groups: GroupRecord[],
  text: string,
  visible: (id: string) => boolean = () => true,
): GroupRecord {
  const wanted = text.trim().toLowerCase();
  const group = groups.find((g) => g.id === wanted) ?? groups.find((g) => g.name.toLowerCase() === wanted);
  if (!group || !visible(group.id)) {
    throw new ApiError('not_found', `No group "${text}"`, { reason: 'group_not_found', group: text });
  }
  return group;
}

/** Where the principal may use `permission`. */
export function scopeOf(p: Principal, permission: Permission, groups: GroupRecord[]): Scope {
  if (p.token && !p.token.scope.includes(permission)) return { kind: 'groups', ids: new Set() };
  const grants = p.grants.filter((g) => g.permissions.includes(permission));
  if (grants.some((g) => g.groupId === null)) return { kind: 'all' };
  return {
    kind: 'groups',
    ids: expandSubtrees(
      groups,
      grants.map((g) => g.groupId as string),
    ),
  };
}

/** The scope as a list for SQL filters: null = everything. */
export function scopeIds(scope: Scope): string[] | null {
  return scope.kind === 'all' ? null : [...scope.ids];
}

/** True if the group is inside the scope. */
export function inScope(scope: Scope, groupId: string): boolean {
  return scope.kind === 'all' || scope.ids.has(groupId);
}

/**
 * The scope's groups for SQL filters (null = everything), narrowed to the subtree of `group` (id or name)
 * when one is named; a group outside the scope is a 404 like an unknown one.
 */
export function scopedGroupIds(scope: Scope, groups: GroupRecord[], group?: string): string[] | null {
  const ids = scopeIds(scope);
  if (group === undefined) return ids;
  const sub = expandSubtrees(groups, [findGroup(groups, group, (id) => inScope(scope, id)).id]);
  return ids ? ids.filter((id) => sub.has(id)) : [...sub];
}

/** True if the principal holds `permission` (any catalog name; others are never held) over the group. */
export function holdsOver(p: Principal, permission: string, groupId: string, groups: GroupRecord[]): boolean {
  return isPermission(permission) && inScope(scopeOf(p, permission, groups), groupId);
}

/** A role granted over a group subtree, as the move rule sees it: where it is rooted and what it gives. */
export interface GrantRoot {
  groupId: string;
  permissions: string[];
}

/**
 * The permissions that would newly reach something (a number, or a group's subtree) moved from under
 * `from` to under `to`: those of grants rooted on the destination's ancestry (itself included) but not on
 * the source's. Company-wide grants reach both places and never count.
 */
export function widenedByMove(
  groups: GroupRecord[],
  grants: GrantRoot[],
  from: string | null,
  to: string | null,
): Set<string> {
  const parent = new Map(groups.map((g) => [g.id, g.parentId]));
  const ancestry = (id: string | null) => {
    const out = new Set<string>();
    for (let g = id; g; g = parent.get(g) ?? null) out.add(g);
    return out;
  };
  const before = ancestry(from);
  const after = ancestry(to);
  const out = new Set<string>();
  for (const g of grants) {
    if (after.has(g.groupId) && !before.has(g.groupId)) for (const x of g.permissions) out.add(x);
  }
  return out;
}

/**
 * A move may not widen anyone's rights beyond the mover's: every permission it would newly give (see
 * widenedByMove) the mover must hold over the destination. Else 403 `move_widens_rights`. Without this, a
 * Sales administrator could move a number under a group where a Viewer reads call details.
 */
export function requireMoveWithin(
  p: Principal,
  groups: GroupRecord[],
  grants: GrantRoot[],
  from: string | null,
  to: string | null,
): void {
  const beyond = [...widenedByMove(groups, grants, from, to)].filter(
    (x) => to === null || !holdsOver(p, x, to, groups),
  );
  if (beyond.length) {
    throw new ApiError(
      'forbidden',
      `The move would give holders of grants on the destination rights you do not hold there: ${beyond.join(', ')}`,
      { reason: 'move_widens_rights', permissions: beyond.join(', ') },
    );
  }
}

/** Throws 403 unless the principal holds the permission somewhere. */
export function requirePermission(p: Principal, permission: Permission): void {
  if (!holds(p, permission)) {
    throw new ApiError('forbidden', `You do not have the ${permission} permission`, {
      reason: 'permission_missing',
      permission,
    });
  }
}

/**
 * Throws 403 unless the caller is an interactive session: an API token, whatever its scope, never
 * manages tokens or the password and never reads the login history or the outbox (which holds
 * one-time passwords) — a leaked read-only token must not become the account.
 */
export function requireSession(p: Principal): void {
  if (p.via !== 'session') {
    throw new ApiError('forbidden', 'API tokens cannot do this; log in interactively', {
      reason: 'session_required',
    });
  }
}

/** Every permission the principal holds anywhere (after the token's scope). */
export function heldPermissions(p: Principal): Set<string> {
  const out = new Set<string>();
  for (const g of p.grants) for (const perm of g.permissions) out.add(perm);
  if (p.token) for (const perm of [...out]) if (!p.token.scope.includes(perm)) out.delete(perm);
  return out;
}
