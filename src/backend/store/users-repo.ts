import type { Db } from './db.js';

/** A user as stored. */
export interface UserRecord {
  id: number;
  email: string;
  phone: string | null;
  name: string;
  passwordHash: string;
  status: 'active' | 'disabled';
  failedLogins: number;
  lockedUntil: string | null;
  mustChangePassword: boolean;
  createdAt: string;
}

/** A role granted over a group subtree (`groupId` null = the whole company). */
export interface GrantRecord {
  role: string;
  groupId: string | null;
  permissions: string[];
}

/** A role as stored: built-in roles came with the company and never change. */
export interface RoleRecord {
  name: string;
  description: string;
  permissions: string[];
  builtin: boolean;
  users: number;
}

type RoleRow = { permissions: string; builtin: number };

type UserRow = Omit<UserRecord, 'mustChangePassword'> & { mustChangePassword: number };

const USER_COLUMNS = `id, email, phone, name, password_hash AS passwordHash, status, failed_logins AS failedLogins,
  locked_until AS lockedUntil, must_change_password AS mustChangePassword, created_at AS createdAt`;

/** Users, roles and grants. */
export class UsersRepo {
  private readonly byLoginStmt;
  private readonly byIdStmt;
  private readonly allStmt;
  private readonly statusStmt;
  private readonly rolesStmt;
  private readonly grantsStmt;
  private readonly failStmt;
  private readonly resetFailsStmt;
  private readonly insertUserStmt;
  private readonly insertRoleStmt;
  private readonly roleIdStmt;
  private readonly insertGrantStmt;

  constructor(private readonly db: Db) {
    this.byLoginStmt = db.prepare<[string, string], UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE email = ? COLLATE NOCASE OR phone = ?`,
    );
    this.byIdStmt = db.prepare<[number], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
    this.allStmt = db.prepare<[], UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY id`);
    this.statusStmt = db.prepare<[string, number]>('UPDATE users SET status = ? WHERE id = ?');
    this.rolesStmt = db.prepare<[], Omit<RoleRecord, 'permissions' | 'builtin'> & RoleRow>(
      `SELECT r.name, r.description, r.permissions, r.builtin, count(DISTINCT ur.user_id) AS users
         FROM roles r LEFT JOIN user_roles ur ON ur.role_id = r.id GROUP BY r.id ORDER BY r.name`,
    );
    this.grantsStmt = db.prepare<[number], { role: string; groupId: string | null; permissions: string }>(
      `SELECT r.name AS role, ur.group_id AS groupId, r.permissions FROM user_roles ur JOIN roles r ON r.id = ur.role_id
        WHERE ur.user_id = ? ORDER BY r.name, ur.group_id`,
    );
    this.failStmt = db.prepare<[string | null, number]>(
      'UPDATE users SET failed_logins = failed_logins + 1, locked_until = ? WHERE id = ?',
    );
    this.resetFailsStmt = db.prepare<[number]>(
      'UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?',
    );
    this.insertUserStmt = db.prepare(
      `INSERT INTO users (email, phone, name, password_hash, must_change_password, created_at)
       VALUES (@email, @phone, @name, @passwordHash, @mustChangePassword, @createdAt)`,
    );
    this.insertRoleStmt = db.prepare('INSERT INTO roles (name, description, permissions) VALUES (?, ?, ?)');
    this.roleIdStmt = db.prepare<[string], { id: number }>('SELECT id FROM roles WHERE name = ?');
    this.insertGrantStmt = db.prepare('INSERT INTO user_roles (user_id, role_id, group_id) VALUES (?, ?, ?)');
  }

  /** The user whose e-mail (any case) or E.164 phone is `login`. */
  findByLogin(email: string, phone: string | null): UserRecord | undefined {
    const row = this.byLoginStmt.get(email, phone ?? '\u0000');
    return row ? toUser(row) : undefined;
  }

  /** Every user, by id. */
  all(): UserRecord[] {
    return this.allStmt.all().map(toUser);
  }

  /** Roles with how many users hold each. */
  roles(): RoleRecord[] {
    return this.rolesStmt.all().map((r) => ({
      ...r,
      permissions: JSON.parse(r.permissions) as string[],
      builtin: r.builtin === 1,
    }));
  }

  /** Stores a new password hash; `mustChange` marks a one-time password. A new password unlocks the user. */
  setPassword(id: number, hash: string, mustChange: boolean): void {
    this.db
      .prepare(
        'UPDATE users SET password_hash = ?, must_change_password = ?, failed_logins = 0, locked_until = NULL WHERE id = ?',
      )
      .run(hash, mustChange ? 1 : 0, id);
    // Failed logins are counted per login string (login_failures): the user's e-mail and phone.
    this.db
      .prepare(
        `DELETE FROM login_failures WHERE login IN (SELECT lower(email) FROM users WHERE id = ?
           UNION ALL SELECT phone FROM users WHERE id = ? AND phone IS NOT NULL)`,
      )
      .run(id, id);
  }

  /** Changes name, e-mail or phone (undefined keeps a field). */
  update(id: number, f: { name?: string; email?: string; phone?: string | null }): void {
    this.db
      .prepare(
        'UPDATE users SET name = coalesce(?, name), email = coalesce(?, email), phone = CASE WHEN ? THEN ? ELSE phone END WHERE id = ?',
      )
      .run(f.name ?? null, f.email ?? null, f.phone !== undefined ? 1 : 0, f.phone ?? null, id);
  }

  /** Sets a user's status (active or disabled). */
  setStatus(id: number, status: 'active' | 'disabled'): void {
    this.statusStmt.run(status, id);
  }

  /** The user with this id. */
  get(id: number): UserRecord | undefined {
    const row = this.byIdStmt.get(id);
    return row ? toUser(row) : undefined;
  }

  /** The user's role grants with the permissions each role holds now. */
  grants(userId: number): GrantRecord[] {
    return this.grantsStmt
      .all(userId)
      .map((g) => ({ role: g.role, groupId: g.groupId, permissions: JSON.parse(g.permissions) as string[] }));
  }

  /** Counts a failed login; `lockUntil` set when this failure locks the user. */
  recordFailure(userId: number, lockUntil: string | null): void {
    this.failStmt.run(lockUntil, userId);
  }

  /** Clears the failure counter and any lock after a good login. */
  resetFailures(userId: number): void {
    this.resetFailsStmt.run(userId);
  }

  /** Adds a user; returns its id. */
  insertUser(u: {
    email: string;
    phone: string | null;
    name: string;
    passwordHash: string;
    mustChangePassword: boolean;
    createdAt: string;
  }): number {
    return Number(
      this.insertUserStmt.run({ ...u, mustChangePassword: u.mustChangePassword ? 1 : 0 }).lastInsertRowid,
    );
  }

  /** Adds a role. */
  insertRole(name: string, description: string, permissions: string[]): void {
    this.insertRoleStmt.run(name, description, JSON.stringify(permissions));
  }

  /** One role by name (any case). */
  role(name: string): RoleRecord | undefined {
    return this.roles().find((r) => r.name.toLowerCase() === name.toLowerCase());
  }

  /** Changes a role's description and/or permissions. */
  updateRole(name: string, description: string, permissions: string[]): void {
    this.db
      .prepare('UPDATE roles SET description = ?, permissions = ? WHERE name = ?')
      .run(description, JSON.stringify(permissions), name);
  }

  /** Deletes a role that nobody holds. */
  deleteRole(name: string): void {
    this.db.prepare('DELETE FROM roles WHERE name = ?').run(name);
  }

  /** Every grant rooted at a group (not company-wide), with its role's permissions: for the move rule. */
  groupGrants(): { groupId: string; permissions: string[] }[] {
    return this.db
      .prepare<[], { groupId: string; permissions: string }>(
        `SELECT DISTINCT ur.group_id AS groupId, r.permissions FROM user_roles ur JOIN roles r ON r.id = ur.role_id
          WHERE ur.group_id IS NOT NULL`,
      )
      .all()
      .map((g) => ({ groupId: g.groupId, permissions: JSON.parse(g.permissions) as string[] }));
  }

  /** True if the user holds this role over exactly this group (null = company). */
  hasGrant(userId: number, role: string, groupId: string | null): boolean {
    return this.grants(userId).some((g) => g.role === role && g.groupId === groupId);
  }

  /** Takes a grant away; returns whether there was one. */
  revoke(userId: number, role: string, groupId: string | null): boolean {
    return (
      this.db
        .prepare(
          'DELETE FROM user_roles WHERE user_id = ? AND role_id = (SELECT id FROM roles WHERE name = ?) AND group_id IS ?',
        )
        .run(userId, role, groupId).changes > 0
    );
  }

  /** Grants a role by name over a group (null = company). */
  grant(userId: number, role: string, groupId: string | null): void {
    const r = this.roleIdStmt.get(role);
    if (!r) throw new Error(`unknown role ${role}`);
    this.insertGrantStmt.run(userId, r.id, groupId);
  }
}

function toUser(row: UserRow): UserRecord {
  return { ...row, mustChangePassword: row.mustChangePassword === 1 };
}
