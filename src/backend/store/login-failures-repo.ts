import type { Db } from './db.js';

/** The failed-login count of one login string and the lock it earned. */
export interface LoginFailures {
  failures: number;
  lockedUntil: string | null;
}

/**
 * Failed logins counted per login as typed (normalized), not per user: a login nobody has is counted
 * and locked exactly like one a user has, so the answers cannot tell them apart.
 */
export class LoginFailuresRepo {
  private readonly getStmt;
  private readonly setStmt;
  private readonly clearStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[string], LoginFailures>(
      'SELECT failures, locked_until AS lockedUntil FROM login_failures WHERE login = ?',
    );
    this.setStmt = db.prepare<[string, number, string | null]>(
      `INSERT INTO login_failures (login, failures, locked_until) VALUES (?, ?, ?)
       ON CONFLICT (login) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`,
    );
    this.clearStmt = db.prepare<[string]>('DELETE FROM login_failures WHERE login = ?');
  }

  /** The count and lock of a login (none yet: zero, unlocked). */
  get(login: string): LoginFailures {
    return this.getStmt.get(login) ?? { failures: 0, lockedUntil: null };
  }

  /** Stores a login's count and lock. */
  set(login: string, failures: number, lockedUntil: string | null): void {
    this.setStmt.run(login, failures, lockedUntil);
  }

  /** Forgets a login's failures (after a good login). */
  clear(login: string): void {
    this.clearStmt.run(login);
  }
}
