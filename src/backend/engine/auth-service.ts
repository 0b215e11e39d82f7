import { randomBytes } from 'node:crypto';
import { ApiError } from '../../api/errors.js';
import type { ApiToken, LoginResult, Me } from '../../api/auth.js';
import type { Clock } from '../../domain/clock.js';
import { tryParseMsisdn } from '../../domain/msisdn.js';
import { isPermission } from '../../domain/permissions.js';
import type { Store } from '../store/store.js';
import type { TokenRecord } from '../store/auth-repo.js';
import type { UserRecord } from '../store/users-repo.js';
import { heldPermissions, type Principal } from './authz.js';
import { hashPassword, hashToken, newToken, verifyPassword } from './passwords.js';
import { recordEvent } from './events.js';
import { writeAudit } from './audit-service.js';

/** Sessions end after this long without a request. */
export const IDLE_TIMEOUT_SECONDS = 20 * 60;
/** This many failed logins in a row lock the user… */
export const MAX_FAILED_LOGINS = 5;
/** …for this long. */
export const LOCKOUT_SECONDS = 15 * 60;

/** Where a request came from, for the login history and the audit log. */
export interface RequestOrigin {
  ip: string;
  client: string;
  requestId: string;
}

/** Logins, sessions, API tokens: everything about who the caller is. */
/** How often a session's (or a token's) last-seen time is written: at most once a minute. */
const TOUCH_EVERY_MS = 60_000;

export class AuthService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  private dummy: string | undefined;
  /**
   * Last-seen times newer than the stored ones. Writing a session's last-seen time on every request made
   * every read a write (and a write waits for any other writer); it is stored at most once a minute
   * (TOUCH_EVERY_MS) and kept here in between, so the idle check still sees the newest. After a restart
   * a session may look up to a minute idler than it was.
   */
  private readonly seen = new Map<string, string>();

  /** A hash of no one's password, made like every stored one (same scrypt parameters), made once. */
  private dummyHash(): string {
    this.dummy ??= hashPassword(randomBytes(16).toString('hex'));
    return this.dummy;
  }

  /**
   * Checks the password, enforces the lockout, starts a session, sends the login SMS. An unknown login,
   * a wrong password and a disabled user with a wrong password get the same answer after the same work
   * (one scrypt hash); failures are counted per login string, whether or not a user has it, so a lockout
   * looks the same too. Only the right password of a disabled user learns that the user is disabled.
   */
  login(login: string, password: string, origin: RequestOrigin): LoginResult {
    const now = this.clock.now();
    const nowIso = now.toISOString();
    const phone = login.includes('@') ? null : tryParseMsisdn(login);
    const key = phone ?? login.trim().toLowerCase();
    const user = this.store.users.findByLogin(login.trim(), phone);
    const fail = (reason: string, error: ApiError): never => {
      this.store.transaction(() => {
        this.store.auth.recordLogin({
          time: nowIso,
          login,
          userId: user?.id ?? null,
          sessionId: null,
          ip: origin.ip,
          client: origin.client,
          success: false,
          reason,
        });
        writeAudit(this.store, this.clock, {
          // The login as typed: a failure may match no user, and then names no one.
          actor: { name: login, type: 'user' },
          action: 'auth.login',
          target: user ? `user:${user.id}` : null,
          result: `failed: ${reason}`,
          origin,
        });
      });
      throw error;
    };
    const counted = this.store.loginFailures.get(key);
    if (counted.lockedUntil && new Date(counted.lockedUntil) > now) {
      return fail('account_locked', locked(counted.lockedUntil));
    }
    // A login nobody has is checked against a dummy hash made the same way: it takes as long.
    const passwordOk = verifyPassword(password, user?.passwordHash ?? this.dummyHash());
    if (!user || !passwordOk) {
      // An earlier lock has run out: counting starts again.
      const failures = (counted.lockedUntil ? 0 : counted.failures) + 1;
      const lockUntil =
        failures >= MAX_FAILED_LOGINS ? new Date(now.getTime() + LOCKOUT_SECONDS * 1000).toISOString() : null;
      this.store.transaction(() => {
        this.store.loginFailures.set(key, failures, lockUntil);
        // The administrator's view of the user (locked or not) follows the logins the user has.
        if (user) this.store.users.recordFailure(user.id, lockUntil);
        // A mistyped password happens; two in a row is worth telling (and the lockout, when it comes).
        if (user && failures >= 2) {
          recordEvent(this.store, nowIso, {
            type: 'user.login_failed',
            subject: String(user.id),
            data: { email: user.email, failures, lockedUntil: lockUntil, ip: origin.ip },
          });
        }
      });
      // The reason is for the audit log and the login history; the caller's answer is the same for all.
      const reason = !user
        ? 'unknown_login'
        : user.status !== 'active'
          ? 'user_disabled'
          : 'invalid_credentials';
      return fail(reason, lockUntil ? locked(lockUntil) : invalidCredentials());
    }
    if (user.status !== 'active')
      return fail('user_disabled', new ApiError('user_disabled', 'This user is disabled'));
    const token = newToken('vms');
    this.store.transaction(() => {
      this.store.loginFailures.clear(key);
      this.store.users.resetFailures(user.id);
      const sessionId = this.store.auth.createSession(
        hashToken(token),
        user.id,
        origin.ip,
        origin.client,
        nowIso,
      );
      this.store.auth.recordLogin({
        time: nowIso,
        login,
        userId: user.id,
        sessionId,
        ip: origin.ip,
        client: origin.client,
        success: true,
        reason: null,
      });
      if (user.phone) {
        this.store.audit.notify(
          nowIso,
          'sms',
          user.phone,
          user.id,
          `New login to your cabinet from IP ${origin.ip} at ${nowIso.slice(0, 16).replace('T', ' ')} UTC (${origin.client}). Not you? Call the operator.`,
        );
      }
      writeAudit(this.store, this.clock, {
        actor: { name: user.email, type: 'user' },
        action: 'auth.login',
        target: `user:${user.id}`,
        origin,
      });
    });
    const principal = this.principalOf(user, 'session', null, null);
    return { token, idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS, user: this.me(principal) };
  }

  /** Resolves a bearer secret to a principal, enforcing idle expiry, token expiry and disabled users. */
  authenticate(secret: string): Principal {
    const now = this.clock.now();
    const nowIso = now.toISOString();
    const hash = hashToken(secret);
    if (secret.startsWith('vmt_')) {
      const token = this.store.auth.tokenByHash(hash);
      if (!token || token.revokedAt)
        throw new ApiError('token_invalid', 'The API token is invalid or revoked');
      if (token.expiresAt && new Date(token.expiresAt) <= now) {
        throw new ApiError('token_expired', `The API token expired at ${token.expiresAt}`);
      }
      const user = this.activeUser(token.userId);
      if (this.due(`t${token.id}`, token.lastUsedAt, nowIso)) this.store.auth.markTokenUsed(token.id, nowIso);
      return this.principalOf(user, 'token', null, token);
    }
    const session = this.store.auth.sessionByHash(hash);
    if (!session || (session.endedAt && session.endReason !== 'idle')) {
      throw new ApiError('unauthenticated', 'Not logged in or the session has ended');
    }
    const lastSeen = this.seen.get(`s${session.id}`) ?? session.lastSeenAt;
    const idleMs =
      now.getTime() - new Date(lastSeen > session.lastSeenAt ? lastSeen : session.lastSeenAt).getTime();
    if (session.endedAt || idleMs > IDLE_TIMEOUT_SECONDS * 1000) {
      this.store.auth.endSession(session.id, nowIso, 'idle');
      throw new ApiError('session_expired', 'Session expired after 20 minutes idle', {
        idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
      });
    }
    const user = this.activeUser(session.userId);
    if (this.due(`s${session.id}`, session.lastSeenAt, nowIso))
      this.store.auth.touchSession(session.id, nowIso);
    return this.principalOf(user, 'session', session.id, null);
  }

  /** True when a last-seen time is to be written now; otherwise it is remembered until it is. */
  private due(key: string, stored: string | null, now: string): boolean {
    if (stored === null || Date.parse(now) - Date.parse(stored) >= TOUCH_EVERY_MS) {
      this.seen.delete(key);
      return true;
    }
    if (this.seen.size >= 10_000) {
      // Sessions long idle are expired by the stored time anyway; forget them rather than grow.
      const cutoff = Date.parse(now) - IDLE_TIMEOUT_SECONDS * 1000;
      for (const [k, t] of this.seen) if (Date.parse(t) < cutoff) this.seen.delete(k);
    }
    this.seen.set(key, now);
    return false;
  }

  /** Ends the caller's session (a token caller has no session to end). */
  logout(p: Principal): void {
    if (p.sessionId !== null)
      this.store.auth.endSession(p.sessionId, this.clock.now().toISOString(), 'logout');
  }

  /** What `GET /v1/me` says. */
  me(p: Principal): Me {
    return {
      id: p.user.id,
      name: p.user.name,
      email: p.user.email,
      phone: p.user.phone,
      company: this.store.meta('company') ?? '',
      via: p.via,
      tokenName: p.token?.name ?? null,
      grants: p.grants.map((g) => ({
        role: g.role,
        groupId: g.groupId,
        permissions: p.token ? g.permissions.filter((x) => p.token?.scope.includes(x)) : g.permissions,
      })),
      sessionIdleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
      mustChangePassword: p.user.mustChangePassword,
    };
  }

  /**
   * Changes the caller's password after checking the current one; a one-time password is then spent.
   * Every other session of the user ends (whoever knew the old password is out); returns how many.
   */
  changePassword(p: Principal, oldPassword: string, newPassword: string): number {
    if (!verifyPassword(oldPassword, p.user.passwordHash)) {
      throw new ApiError('validation_failed', 'The current password is wrong', { reason: 'password_wrong' });
    }
    if (newPassword === oldPassword) {
      throw new ApiError('validation_failed', 'The new password must differ from the current one', {
        reason: 'password_same',
      });
    }
    const hash = hashPassword(newPassword);
    return this.store.transaction(() => {
      this.store.users.setPassword(p.user.id, hash, false);
      return this.store.auth.endOtherSessions(
        p.user.id,
        p.sessionId,
        this.clock.now().toISOString(),
        'password_changed',
      );
    });
  }

  /** Creates an API token whose scope is within the caller's own rights. */
  createToken(
    p: Principal,
    name: string,
    scope: string[] | undefined,
    expiresAt: string | undefined,
  ): {
    token: string;
    info: ApiToken;
  } {
    const held = heldPermissions(p);
    const wanted = scope ?? [...held];
    const unknown = wanted.filter((s) => !isPermission(s));
    if (unknown.length) {
      throw new ApiError('validation_failed', `Unknown permission: ${unknown.join(', ')}`, {
        reason: 'permission_unknown',
        unknown: unknown.join(', '),
      });
    }
    const beyond = wanted.filter((s) => !held.has(s));
    if (beyond.length) {
      throw new ApiError(
        'scope_exceeded',
        `A token cannot have rights you do not hold: ${beyond.join(', ')}`,
        { reason: 'scope_exceeded', beyond: beyond.join(', ') },
      );
    }
    if (wanted.length === 0)
      throw new ApiError('validation_failed', 'A token needs at least one permission', {
        reason: 'token_needs_permission',
      });
    const now = this.clock.now();
    if (expiresAt && new Date(expiresAt) <= now) {
      throw new ApiError('validation_failed', 'expiresAt must be in the future', {
        reason: 'expiry_in_past',
      });
    }
    if (this.store.auth.findToken(p.user.id, name)?.revokedAt === null) {
      throw new ApiError('conflict', `You already have a token named "${name}"`, {
        reason: 'token_name_taken',
        name,
      });
    }
    const secret = newToken('vmt');
    const id = this.store.auth.createToken(
      p.user.id,
      name,
      hashToken(secret),
      wanted,
      now.toISOString(),
      expiresAt ?? null,
    );
    const info = this.store.auth.findToken(p.user.id, String(id)) as TokenRecord;
    return { token: secret, info: tokenView(info) };
  }

  /** Revokes one of the caller's tokens by id or name. */
  revokeToken(p: Principal, idOrName: string): ApiToken {
    const token = this.store.auth.findToken(p.user.id, idOrName);
    if (!token)
      throw new ApiError('not_found', `No token "${idOrName}"`, {
        reason: 'token_not_found',
        token: idOrName,
      });
    this.store.auth.revokeToken(token.id, this.clock.now().toISOString());
    return tokenView(this.store.auth.findToken(p.user.id, String(token.id)) as TokenRecord);
  }

  private activeUser(userId: number): UserRecord {
    const user = this.store.users.get(userId);
    if (!user || user.status !== 'active') throw new ApiError('user_disabled', 'This user is disabled');
    return user;
  }

  private principalOf(
    user: UserRecord,
    via: 'session' | 'token',
    sessionId: number | null,
    token: TokenRecord | null,
  ): Principal {
    return { user, via, sessionId, token, grants: this.store.users.grants(user.id) };
  }
}

/** The API view of a stored token. */
export function tokenView(t: TokenRecord): ApiToken {
  return {
    id: t.id,
    name: t.name,
    scope: t.scope,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    revokedAt: t.revokedAt,
  };
}

/** The one answer to a login that failed for any reason but a lock: no details, nothing to compare. */
function invalidCredentials(): ApiError {
  return new ApiError('invalid_credentials', 'Wrong login or password');
}

function locked(until: string): ApiError {
  return new ApiError('account_locked', `Too many failed logins; locked until ${until}`, {
    lockedUntil: until,
  });
}
