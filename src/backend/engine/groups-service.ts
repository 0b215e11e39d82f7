import { ApiError } from '../../api/errors.js';
import type { Group, GroupCreateBody, GroupUpdateBody } from '../../api/lines.js';
import type { Store } from '../store/store.js';
import type { GroupRecord } from '../store/catalog-repo.js';
import { expandSubtrees, findGroup, requireMoveWithin, scopeOf, type Principal } from './authz.js';

/** Shaping the group tree within the caller's groups:write scope. */
export class GroupsService {
  constructor(private readonly store: Store) {}

  /** Creates a group; its id is made from the name unless given. */
  create(p: Principal, body: GroupCreateBody): Group {
    const groups = this.store.catalog.groupRecords();
    const parent = body.parent === undefined ? null : findGroup(groups, body.parent);
    this.requireScope(p, groups, parent?.id ?? null);
    const id = body.id ?? uniqueId(slug(body.name), new Set(groups.map((g) => g.id)));
    if (groups.some((g) => g.id === id)) {
      throw new ApiError('conflict', `A group with id "${id}" exists`, { reason: 'group_exists', group: id });
    }
    if (
      groups.some(
        (g) => g.parentId === (parent?.id ?? null) && g.name.toLowerCase() === body.name.trim().toLowerCase(),
      )
    ) {
      throw new ApiError('conflict', `"${body.name}" already exists there`, {
        reason: 'group_exists',
        group: body.name,
      });
    }
    this.store.groups.insert(id, body.name.trim(), parent?.id ?? null);
    return this.view(id);
  }

  /** Renames and/or moves a group. */
  update(p: Principal, idOrName: string, body: GroupUpdateBody): Group {
    const groups = this.store.catalog.groupRecords();
    const group = findGroup(groups, idOrName);
    this.requireScope(p, groups, group.id);
    if (body.parent !== undefined && body.topLevel) {
      throw new ApiError('validation_failed', 'Give a parent or topLevel, not both', {
        reason: 'parent_and_top',
      });
    }
    this.store.transaction(() => {
      if (body.name !== undefined) this.store.groups.rename(group.id, body.name.trim());
      if (body.parent !== undefined || body.topLevel) {
        const parent = body.topLevel ? null : findGroup(groups, body.parent as string);
        if (parent && expandSubtrees(groups, [group.id]).has(parent.id)) {
          throw new ApiError('business_rule', `"${group.name}" cannot move into its own subtree`, {
            reason: 'group_cycle',
            group: group.name,
          });
        }
        this.requireScope(p, groups, parent?.id ?? null);
        requireMoveWithin(p, groups, this.store.users.groupGrants(), group.parentId, parent?.id ?? null);
        this.store.groups.setParent(group.id, parent?.id ?? null);
      }
    });
    return this.view(group.id);
  }

  /** Deletes a group; numbers and subgroups move to `moveTo`, which a non-empty group requires. */
  delete(p: Principal, idOrName: string, moveTo: string | undefined): void {
    const groups = this.store.catalog.groupRecords();
    const group = findGroup(groups, idOrName);
    this.requireScope(p, groups, group.id);
    const hasChildren = groups.some((g) => g.parentId === group.id);
    const numbers = this.store.groups.numbersIn(group.id);
    if (this.store.groups.grantsOn(group.id) > 0) {
      throw new ApiError('conflict', `Roles are granted over "${group.name}"; revoke them first`, {
        reason: 'group_has_grants',
        group: group.name,
      });
    }
    if (moveTo === undefined) {
      if (numbers > 0 || hasChildren) {
        throw new ApiError(
          'conflict',
          `"${group.name}" holds ${numbers} numbers and ${groups.filter((g) => g.parentId === group.id).length} subgroups; say where they go with moveTo`,
          {
            reason: 'group_not_empty',
            group: group.name,
            numbers,
          },
        );
      }
      this.store.groups.delete(group.id);
      return;
    }
    const target = findGroup(groups, moveTo);
    if (expandSubtrees(groups, [group.id]).has(target.id)) {
      throw new ApiError('business_rule', `Cannot move "${group.name}" into its own subtree`, {
        reason: 'group_cycle',
        group: group.name,
      });
    }
    this.requireScope(p, groups, target.id);
    requireMoveWithin(p, groups, this.store.users.groupGrants(), group.id, target.id);
    this.store.transaction(() => this.store.groups.deleteInto(group.id, target.id));
  }

  /** groups:write over this group's subtree (null = the top level: company-wide). */
  private requireScope(p: Principal, groups: GroupRecord[], groupId: string | null): void {
    const scope = scopeOf(p, 'groups:write', groups);
    if (scope.kind === 'all' || (groupId !== null && scope.ids.has(groupId))) return;
    if (groupId === null) {
      throw new ApiError('forbidden', 'Top-level groups need groups:write over the whole company', {
        reason: 'grant_beyond_scope',
        permission: 'groups:write',
        scope: 'company',
      });
    }
    throw new ApiError('not_found', `No group "${groupId ?? 'top level'}"`, {
      reason: 'group_not_found',
      group: groupId ?? 'top level',
    });
  }

  private view(id: string): Group {
    return this.store.catalog.groups().find((g) => g.id === id) as Group;
  }
}

/** `Sales North` → `sales-north`; Cyrillic is transliterated so ids stay ASCII. */
export function slug(name: string): string {
  const map: Record<string, string> = {
    а: 'a',
    б: 'b',
    в: 'v',
    г: 'g',
    д: 'd',
    е: 'e',
    ё: 'e',
    ж: 'zh',
    з: 'z',
    и: 'i',
    й: 'y',
    к: 'k',
    л: 'l',
    м: 'm',
    н: 'n',
    о: 'o',
    п: 'p',
    р: 'r',
    с: 's',
    т: 't',
    у: 'u',
    ф: 'f',
    х: 'h',
    ц: 'ts',
    ч: 'ch',
    ш: 'sh',
    щ: 'sch',
    ъ: '',
    ы: 'y',
    ь: '',
    э: 'e',
    ю: 'yu',
    я: 'ya',
  };
  const latin = [...name.toLowerCase()].map((c) => map[c] ?? c).join('');
  return (
    latin
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'group'
  );
}

function uniqueId(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}
