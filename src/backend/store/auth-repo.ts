import type { Db } from './db.js';

/** A login session as stored. */
export interface SessionRecord {
  id: number;
  userId: number;
  ip: string;
  client: string;
  createdAt: string;
  lastSeenAt: string;
  endedAt: string | null;
  endReason: string | null;
}

/** An API token as stored (never the token itself, only its hash). */
export interface TokenRecord {
  id: number;
  userId: number;
  name: string;
  scope: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** One login attempt of the login history. */
export interface LoginRecordRow {
  id: number;
  time: string;
  login: string;
  ip: string;
  client: string;
  success: boolean;
  reason: string | null;
  sessionId: number | null;
}

type TokenRow = Omit<TokenRecord, 'scope'> & { scope: string };

const SESSION_COLUMNS = `id, user_id AS userId, ip, client, created_at AS createdAt, last_seen_at AS lastSeenAt,
  ended_at AS endedAt, end_reason AS endReason`;
const TOKEN_COLUMNS = `id, user_id AS userId, name, scope, created_at AS createdAt, expires_at AS expiresAt,
  last_used_at AS lastUsedAt, revoked_at AS revokedAt`;

/** Sessions, the login history and API tokens. */
export class AuthRepo {
  private readonly insertSessionStmt;
  private readonly sessionByHashStmt;
  private readonly touchStmt;
  private readonly endStmt;
  private readonly endUserSessionsStmt;
  private readonly endOthersStmt;
  private readonly insertLoginStmt;
  private readonly loginsStmt;
  private readonly insertTokenStmt;
  private readonly tokenByHashStmt;
  private readonly tokensStmt;
  private readonly tokenByIdOrNameStmt;
  private readonly revokeTokenStmt;
  private readonly tokenUsedStmt;

  constructor(db: Db) {
    this.insertSessionStmt = db.prepare(
      `INSERT INTO sessions (token_hash, user_id, ip, client, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.sessionByHashStmt = db.prepare<[string], SessionRecord>(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE token_hash = ?`,
    );
    this.touchStmt = db.prepare<[string, number]>('UPDATE sessions SET last_seen_at = ? WHERE id = ?');
    this.endStmt = db.prepare<[string, string, number]>(
      'UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL',
    );
    this.endUserSessionsStmt = db.prepare<[string, string, number]>(
      'UPDATE sessions SET ended_at = ?, end_reason = ? WHERE user_id = ? AND ended_at IS NULL',
    );
    this.endOthersStmt = db.prepare<[string, string, number, number]>(
      'UPDATE sessions SET ended_at = ?, end_reason = ? WHERE user_id = ? AND ended_at IS NULL AND id <> ?',
    );
    this.insertLoginStmt = db.prepare(
      `INSERT INTO logins (time, login, user_id, session_id, ip, client, success, reason)
       VALUES (@time, @login, @userId, @sessionId, @ip, @client, @success, @reason)`,
    );
    this.loginsStmt = db.prepare<
      [number, number, number],
      Omit<LoginRecordRow, 'success'> & { success: number }
    >(
      `SELECT id, time, login, ip, client, success, reason, session_id AS sessionId FROM logins
        WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    );
    this.insertTokenStmt = db.prepare(
      `INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.tokenByHashStmt = db.prepare<[string], TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?`,
    );
    this.tokensStmt = db.prepare<[number, number, number], TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?`,
    );
    this.tokenByIdOrNameStmt = db.prepare<[number, string, string], TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ? AND (CAST(id AS TEXT) = ? OR (name = ? AND revoked_at IS NULL))
        ORDER BY revoked_at IS NULL DESC LIMIT 1`,
    );
    this.revokeTokenStmt = db.prepare<[string, number]>(
      'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    );
    this.tokenUsedStmt = db.prepare<[string, number]>('UPDATE api_tokens SET last_used_at = ? WHERE id = ?');
  }

  /** Starts a session; returns its id. */
  createSession(tokenHash: string, userId: number, ip: string, client: string, now: string): number {
    return Number(this.insertSessionStmt.run(tokenHash, userId, ip, client, now, now).lastInsertRowid);
  }

  /** The session with this token hash. */
  sessionByHash(tokenHash: string): SessionRecord | undefined {
    return this.sessionByHashStmt.get(tokenHash);
  }

  /** Marks the session as used now (for idle expiry). */
  touchSession(id: number, now: string): void {
    this.touchStmt.run(now, id);
  }

  /** Ends a session once; `reason` is logout, idle, disabled. */
  endSession(id: number, now: string, reason: string): void {
    this.endStmt.run(now, reason, id);
  }

  /** Ends every open session of a user (e.g. when disabled). */
  endUserSessions(userId: number, now: string, reason: string): number {
    return this.endUserSessionsStmt.run(now, reason, userId).changes;
  }

  /** Ends every open session of the user but `keep`; returns how many. */
  endOtherSessions(userId: number, keep: number | null, now: string, reason: string): number {
    return this.endOthersStmt.run(now, reason, userId, keep ?? -1).changes;
  }

  /** Appends a login attempt to the history. */
  recordLogin(r: Omit<LoginRecordRow, 'id'> & { userId: number | null }): void {
    this.insertLoginStmt.run({ ...r, success: r.success ? 1 : 0 });
  }

  /** The user's login history, newest first, before id `before`. */
  logins(userId: number, before: number, limit: number): LoginRecordRow[] {
    return this.loginsStmt.all(userId, before, limit).map((r) => ({ ...r, success: r.success === 1 }));
  }

  /** Stores a new API token; returns its id. */
  createToken(
    userId: number,
    name: string,
    tokenHash: string,
    scope: string[],
    now: string,
    expiresAt: string | null,
  ): number {
    return Number(
      this.insertTokenStmt.run(userId, name, tokenHash, JSON.stringify(scope), now, expiresAt)
        .lastInsertRowid,
    );
  }

  /** The token with this hash. */
  tokenByHash(tokenHash: string): TokenRecord | undefined {
    const row = this.tokenByHashStmt.get(tokenHash);
    return row ? toToken(row) : undefined;
  }

  /** The user's tokens after id `after`. */
  tokens(userId: number, after: number, limit: number): TokenRecord[] {
    return this.tokensStmt.all(userId, after, limit).map(toToken);
  }

  /** The user's token by id, or the live token by name. */
  findToken(userId: number, idOrName: string): TokenRecord | undefined {
    const row = this.tokenByIdOrNameStmt.get(userId, idOrName, idOrName);
    return row ? toToken(row) : undefined;
  }

  /** Revokes a token (idempotent). */
  revokeToken(id: number, now: string): void {
    this.revokeTokenStmt.run(now, id);
  }

  /** Records that a token was just used. */
  markTokenUsed(id: number, now: string): void {
    this.tokenUsedStmt.run(now, id);
  }
}

function toToken(row: TokenRow): TokenRecord {
  return { ...row, scope: JSON.parse(row.scope) as string[] };
}
