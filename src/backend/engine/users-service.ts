import { ApiError } from '../../api/errors.js';
import type { PermissionInfo, Role, User } from '../../api/auth.js';
import type { Page } from '../../api/common.js';
import type { Clock } from '../../domain/clock.js';
import { PERMISSIONS } from '../../domain/permissions.js';
import type { Store } from '../store/store.js';
import type { UserRecord } from '../store/users-repo.js';
import { expandSubtrees, scopeOf, type Principal } from './authz.js';
import { pageOfList } from './paging.js';

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

  private find(p: Principal, idOrEmail: string): UserRecord {
    const user = this.store.users
      .all()
      .find((u) => String(u.id) === idOrEmail || u.email.toLowerCase() === idOrEmail.toLowerCase());
    if (!user || !this.visible(p, user)) {
      throw new ApiError('not_found', `No user "${idOrEmail}"`, {
        reason: 'user_not_found',
        user: idOrEmail,
      });
    }
    return user;
  }

  private isCompanyAdmin(userId: number): boolean {
    return this.store.users
      .grants(userId)
      .some((g) => g.groupId === null && g.permissions.includes('users:admin'));
  }

  private companyAdmins(): UserRecord[] {
    return this.store.users.all().filter((u) => u.status === 'active' && this.isCompanyAdmin(u.id));
  }

  /** Disables a user and ends their sessions at once; their tokens fail on the next request. */
  disable(p: Principal, idOrEmail: string): User {
    const user = this.find(p, idOrEmail);
    if (user.status !== 'disabled' && this.isCompanyAdmin(user.id) && this.companyAdmins().length <= 1) {
      throw new ApiError('business_rule', 'The last company-wide administrator cannot be disabled', {
        reason: 'last_admin',
      });
    }
    this.store.transaction(() => {
      this.store.users.setStatus(user.id, 'disabled');
      this.store.auth.endUserSessions(user.id, this.clock.now().toISOString(), 'disabled');
    });
    return this.show(p, String(user.id));
  }

  /** Enables a user again. */
  enable(p: Principal, idOrEmail: string): User {
    const user = this.find(p, idOrEmail);
    this.store.users.setStatus(user.id, 'active');
    return this.show(p, String(user.id));
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
    return (
      grants.length > 0 &&
      grants.every(
        (g) =>
          g.groupId !== null && [...expandSubtrees(groups, [g.groupId])].every((id) => scope.ids.has(id)),
      )
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
