import { ApiError } from '../../api/errors.js';
import { requireMsisdn } from './number-param.js';
import type {
  Invitation,
  PermissionInfo,
  Role,
  User,
  UserCreateBody,
  UserUpdateBody,
} from '../../api/auth.js';
import type { Page } from '../../api/common.js';
import type { Clock } from '../../domain/clock.js';
import { randomBytes } from 'node:crypto';
import { hashPassword } from './passwords.js';
import { ALL_PERMISSIONS, isPermission, PERMISSIONS } from '../../domain/permissions.js';
import type { Store } from '../store/store.js';
import type { UserRecord } from '../store/users-repo.js';
import type { RequestOrigin } from './auth-service.js';
import { SYSTEM_ACTORS } from './author-rights.js';
import { expandSubtrees, findGroup, scopeOf, type Principal } from './authz.js';
import { pageOfList } from './paging.js';
import { writeAudit } from './audit-service.js';
import { recordOperationFinished } from './events.js';
import type { OperationRecord } from '../store/operations-repo.js';

/** Users, roles and the permission catalog, as an administrator sees them. */
export class UsersService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /**
   * Users visible to the caller: everyone with a company-wide users:admin; with a group-scoped one,
   * the users whose every grant lies inside the caller's groups.
   */
  list(p: Principal, q: { limit?: number; cursor?: string }): Page<User> {
    const users = this.store.users.all().filter((u) => this.visible(p, u));
    return pageOfList(
      users.map((u) => this.view(u)),
      q.limit ?? 100,
      q.cursor,
      (u) => String(u.id),
    );
  }

  /** One user by id or e-mail; 404 when unknown or not visible. */
  show(p: Principal, idOrEmail: string): User {
    return this.view(this.find(p, idOrEmail));
  }

  /**
   * A user the caller may change the login, password or status of: any user (404 only when there is
   * none), refused with 403 when their rights or scope exceed the caller's — an attempt worth a denial
   * in the audit log, not a silent not-found.
   */
  private findOutranked(p: Principal, idOrEmail: string): UserRecord {
    const user = this.lookup(idOrEmail);
    if (!user) throw userNotFound(idOrEmail);
    this.requireOutranks(p, user);
    return user;
  }

  private lookup(idOrEmail: string): UserRecord | undefined {
    return this.store.users
      .all()
      .find((u) => String(u.id) === idOrEmail || u.email.toLowerCase() === idOrEmail.toLowerCase());
  }

  private find(p: Principal, idOrEmail: string): UserRecord {
    const user = this.lookup(idOrEmail);
    if (!user || !this.visible(p, user)) throw userNotFound(idOrEmail);
    return user;
  }

  /** True if the user's company-wide grants hold every permission of the catalog. */
  private isFullAdmin(userId: number): boolean {
    const held = new Set(
      this.store.users
        .grants(userId)
        .filter((g) => g.groupId === null)
        .flatMap((g) => g.permissions),
    );
    return ALL_PERMISSIONS.every((x) => held.has(x));
  }

  /**
   * Refuses a change that would leave the company without an active user holding every permission
   * company-wide: nobody could then give rights back. Call inside the change's transaction, after it.
   */
  private requireFullAdminLeft(): void {
    if (!this.store.users.all().some((u) => u.status === 'active' && this.isFullAdmin(u.id))) {
      throw new ApiError(
        'business_rule',
        'This would leave no active administrator with every permission over the whole company',
        { reason: 'last_admin' },
      );
    }
  }

  /**
   * The caller must hold, over each of the target user's grants, users:admin and every permission of it:
   * nobody changes the login, password or status of someone with more rights or a wider scope than their
   * own (that is the road to taking over the other account).
   */
  private requireOutranks(p: Principal, user: UserRecord): void {
    try {
      for (const g of this.store.users.grants(user.id)) this.requireControl(p, g.permissions, g.groupId);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'forbidden') throw err;
      throw new ApiError('forbidden', `${user.email} has rights or a scope beyond yours`, {
        reason: 'user_outranks',
        user: user.email,
      });
    }
  }

  /** Creates a user with a one-time password sent to the outbox; they must change it at first login. */
  create(p: Principal, body: UserCreateBody): Invitation {
    const email = body.email.trim();
    const phone = body.phone ? this.phoneOf(body.phone) : null;
    this.requireFree(email, phone, null);
    const password = oneTimePassword();
    const id = this.store.transaction(() => {
      const newId = this.store.users.insertUser({
        email,
        phone,
        name: body.name.trim(),
        passwordHash: hashPassword(password),
        mustChangePassword: true,
        createdAt: this.clock.now().toISOString(),
      });
      this.invite(newId, email, phone, password, 'invite');
      return newId;
    });
    return { user: this.show(p, String(id)), oneTimePassword: body.showPassword ? password : null };
  }

  /** Changes a user's name, e-mail or phone. */
  update(p: Principal, idOrEmail: string, body: UserUpdateBody): User {
    const user = this.findOutranked(p, idOrEmail);
    const phone =
      body.phone === undefined ? undefined : body.phone.trim() === '' ? null : this.phoneOf(body.phone);
    this.requireFree(body.email?.trim(), phone ?? null, user.id);
    this.store.users.update(user.id, { name: body.name?.trim(), email: body.email?.trim(), phone });
    return this.show(p, String(user.id));
  }

  /** A new one-time password to the outbox; open sessions end. */
  resetPassword(p: Principal, idOrEmail: string, showPassword: boolean): Invitation {
    const user = this.findOutranked(p, idOrEmail);
    const password = oneTimePassword();
    this.store.transaction(() => {
      this.store.users.setPassword(user.id, hashPassword(password), true);
      this.store.auth.endUserSessions(user.id, this.clock.now().toISOString(), 'password_reset');
      this.invite(user.id, user.email, user.phone, password, 'reset');
    });
    return { user: this.show(p, String(user.id)), oneTimePassword: showPassword ? password : null };
  }

  private invite(
    userId: number,
    email: string,
    phone: string | null,
    password: string,
    why: 'invite' | 'reset',
  ): void {
    const now = this.clock.now().toISOString();
    const company = this.store.meta('company') ?? '';
    const text =
      why === 'invite'
        ? `You are invited to the Virtual Manager cabinet of ${company}. Login: ${email}. One-time password: ${password}. You will set your own at the first login.`
        : `Your Virtual Manager password was reset. Login: ${email}. One-time password: ${password}. You will set your own at the next login.`;
    this.store.audit.notify(now, 'email', email, userId, text);
    if (phone) this.store.audit.notify(now, 'sms', phone, userId, text);
  }

  private phoneOf(text: string): string {
    return requireMsisdn(text);
  }

  private requireFree(email: string | undefined, phone: string | null, self: number | null): void {
    const clash = this.store.users
      .all()
      .find(
        (u) =>
          u.id !== self &&
          ((email && u.email.toLowerCase() === email.toLowerCase()) || (phone && u.phone === phone)),
      );
    // Only that it is taken: the clashing user may be outside the caller's scope, so never who.
    if (clash) {
      throw new ApiError('conflict', 'Another user has this e-mail or phone', { reason: 'user_exists' });
    }
  }

  /** Disables a user and ends their sessions at once; their tokens fail on the next request. */
  disable(p: Principal, idOrEmail: string, origin: RequestOrigin): User {
    const user = this.findOutranked(p, idOrEmail);
    this.store.transaction(() => {
      const now = this.clock.now().toISOString();
      this.store.users.setStatus(user.id, 'disabled');
      this.requireFullAdminLeft();
      this.store.auth.endUserSessions(user.id, now, 'disabled');
      // What they scheduled must not run on rights they no longer have.
      for (const id of this.store.operations.cancelPendingOf(user.id, now, SYSTEM_ACTORS)) {
        writeAudit(this.store, now, {
          actor: p,
          action: 'operations.cancel',
          target: id,
          params: { reason: 'author_disabled', author: user.email },
          origin,
        });
        recordOperationFinished(this.store, now, this.store.operations.get(id) as OperationRecord);
      }
    });
    return this.show(p, String(user.id));
  }

  /** Enables a user again. */
  enable(p: Principal, idOrEmail: string): User {
    const user = this.findOutranked(p, idOrEmail);
    this.store.users.setStatus(user.id, 'active');
    return this.show(p, String(user.id));
  }

  /** Grants a role over a scope the granter fully controls, with rights the granter fully holds there. */
  grant(p: Principal, idOrEmail: string, roleName: string, group: string | null): User {
    const user = this.find(p, idOrEmail);
    const groupId = this.groupIdOf(group);
    const role = this.requireRole(roleName);
    this.requireControl(p, role.permissions, groupId);
    if (!this.store.users.hasGrant(user.id, role.name, groupId))
      this.store.users.grant(user.id, role.name, groupId);
    return this.view(user);
  }

  /** Takes a grant away; the last company-wide administrator keeps theirs. */
  revoke(p: Principal, idOrEmail: string, roleName: string, group: string | null): User {
    const user = this.find(p, idOrEmail);
    const groupId = this.groupIdOf(group);
    const role = this.requireRole(roleName);
    this.requireControl(p, ['users:admin'], groupId);
    if (!this.store.users.hasGrant(user.id, role.name, groupId)) {
      throw new ApiError(
        'not_found',
        `${user.email} does not hold ${role.name} over ${groupId ?? 'the company'}`,
        {
          reason: 'grant_not_found',
          user: user.email,
          role: role.name,
        },
      );
    }
    this.store.transaction(() => {
      this.store.users.revoke(user.id, role.name, groupId);
      this.requireFullAdminLeft();
    });
    return this.view(user);
  }

  /**
   * Creates a custom role. Roles are company-wide objects (one edit reaches every holder, in every group),
   * so only a company-wide administrator shapes them, from permissions they hold company-wide.
   */
  createRole(p: Principal, name: string, description: string | undefined, permissions: string[]): Role {
    this.requireKnown(permissions);
    this.requireControl(p, permissions, null);
    if (this.store.users.role(name)) {
      throw new ApiError('conflict', `A role named "${name}" exists`, { reason: 'role_exists', role: name });
    }
    this.store.users.insertRole(name.trim(), description ?? '', [...new Set(permissions)]);
    return this.requireRole(name);
  }

  /**
   * Changes a custom role: only someone who could create the result may (see createRole); built-in roles
   * never change, and a change may not leave the company without a full administrator.
   */
  updateRole(
    p: Principal,
    name: string,
    description: string | undefined,
    permissions: string[] | undefined,
  ): Role {
    const role = this.requireRole(name);
    const next = permissions ? [...new Set(permissions)] : role.permissions;
    this.requireKnown(next);
    this.requireControl(p, next, null);
    this.requireCustom(role);
    this.store.transaction(() => {
      this.store.users.updateRole(role.name, description ?? role.description, next);
      this.requireFullAdminLeft();
    });
    return this.requireRole(role.name);
  }

  /** Deletes a custom role nobody holds; the caller must be able to create it. */
  deleteRole(p: Principal, name: string): void {
    const role = this.requireRole(name);
    this.requireControl(p, role.permissions, null);
    this.requireCustom(role);
    if (role.users > 0) {
      throw new ApiError('conflict', `Role "${role.name}" is held by ${role.users} users; revoke it first`, {
        reason: 'role_in_use',
        role: role.name,
        users: role.users,
      });
    }
    this.store.users.deleteRole(role.name);
  }

  /** A group id from an id or a name (any case); null stays the company. */
  private groupIdOf(group: string | null): string | null {
    if (group === null) return null;
    return findGroup(this.store.catalog.groupRecords(), group).id;
  }

  private requireRole(name: string): Role {
    const role = this.store.users.role(name);
    if (!role) throw new ApiError('not_found', `No role "${name}"`, { reason: 'role_not_found', role: name });
    return role;
  }

  /** Every permission must be one of the catalog. */
  private requireKnown(permissions: string[]): void {
    const unknown = permissions.filter((x) => !isPermission(x));
    if (unknown.length) {
      throw new ApiError('validation_failed', `Unknown permission: ${unknown.join(', ')}`, {
        reason: 'permission_unknown',
        unknown: unknown.join(', '),
      });
    }
  }

  /** Built-in roles are the operator's: they never change and are never deleted. */
  private requireCustom(role: Role): void {
    if (role.builtin) {
      throw new ApiError('forbidden', `"${role.name}" is a built-in role and cannot be changed`, {
        reason: 'role_builtin',
        role: role.name,
      });
    }
  }

  /** The caller must hold users:admin and each permission over the whole target scope (a group subtree or the company). */
  private requireControl(p: Principal, permissions: string[], groupId: string | null): void {
    const groups = this.store.catalog.groupRecords();
    if (groupId !== null && !groups.some((g) => g.id === groupId)) {
      throw new ApiError('not_found', `No group "${groupId}"`, { reason: 'group_not_found', group: groupId });
    }
    const target = groupId === null ? null : expandSubtrees(groups, [groupId]);
    for (const permission of new Set(['users:admin', ...permissions])) {
      if (!isPermission(permission)) continue;
      const scope = scopeOf(p, permission, groups);
      const covered =
        scope.kind === 'all' || (target !== null && [...target].every((id) => scope.ids.has(id)));
      if (!covered) {
        throw new ApiError(
          'forbidden',
          `You do not hold ${permission} over ${groupId ?? 'the whole company'}`,
          {
            reason: 'grant_beyond_scope',
            permission,
            scope: groupId ?? 'company',
          },
        );
      }
    }
  }

  /** Every role. */
  roles(q: { limit?: number; cursor?: string }): Page<Role> {
    return pageOfList(this.store.users.roles(), q.limit ?? 100, q.cursor, (r) => r.name);
  }

  /** The permission catalog. */
  permissions(q: { limit?: number; cursor?: string }): Page<PermissionInfo> {
    const all = Object.entries(PERMISSIONS).map(([name, description]) => ({ name, description }));
    return pageOfList(all, q.limit ?? 100, q.cursor, (x) => x.name);
  }

  private visible(p: Principal, u: UserRecord): boolean {
    const groups = this.store.catalog.groupRecords();
    const scope = scopeOf(p, 'users:admin', groups);
    if (scope.kind === 'all') return true;
    const grants = this.store.users.grants(u.id);
    // A user without any grant yet (just invited) is visible to every administrator, who may grant them.
    if (grants.length === 0) return true;
    return grants.every(
      (g) => g.groupId !== null && [...expandSubtrees(groups, [g.groupId])].every((id) => scope.ids.has(id)),
    );
  }

  private view(u: UserRecord): User {
    return {
      id: u.id,
      name: u.name,
      email: u.email,
      phone: u.phone,
      status: u.status,
      locked: u.lockedUntil !== null && new Date(u.lockedUntil) > this.clock.now(),
      mustChangePassword: u.mustChangePassword,
      createdAt: u.createdAt,
      grants: this.store.users.grants(u.id),
    };
  }
}

function userNotFound(idOrEmail: string): ApiError {
  return new ApiError('not_found', `No user "${idOrEmail}"`, { reason: 'user_not_found', user: idOrEmail });
}

/** A one-time password: 12 characters that survive being read aloud or typed from an SMS. */
function oneTimePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789';
  return [...randomBytes(12)].map((b) => alphabet[b % alphabet.length]).join('');
}
