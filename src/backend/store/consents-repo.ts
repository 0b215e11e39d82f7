import type { Db } from './db.js';

/** A number's location consent as stored. */
export interface ConsentRecord {
  msisdn: string;
  state: 'requested' | 'granted' | 'revoked';
  requestedAt: string | null;
  grantedAt: string | null;
  revokedAt: string | null;
}

/** Location consents of employees' numbers. */
export class ConsentsRepo {
  private readonly getStmt;
  private readonly requestStmt;
  private readonly grantStmt;
  private readonly revokeStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[string], ConsentRecord>(
      'SELECT msisdn, state, requested_at AS requestedAt, granted_at AS grantedAt, revoked_at AS revokedAt FROM consents WHERE msisdn = ?',
    );
    this.requestStmt = db.prepare<[string, string]>(
      `INSERT INTO consents (msisdn, state, requested_at) VALUES (?, 'requested', ?)
       ON CONFLICT (msisdn) DO UPDATE SET state = CASE WHEN state = 'granted' THEN 'granted' ELSE 'requested' END,
         requested_at = excluded.requested_at`,
    );
    this.grantStmt = db.prepare<[string, string]>(
      `INSERT INTO consents (msisdn, state, granted_at) VALUES (?, 'granted', ?)
       ON CONFLICT (msisdn) DO UPDATE SET state = 'granted', granted_at = excluded.granted_at, revoked_at = NULL`,
    );
    this.revokeStmt = db.prepare<[string, string]>(
      `INSERT INTO consents (msisdn, state, revoked_at) VALUES (?, 'revoked', ?)
       ON CONFLICT (msisdn) DO UPDATE SET state = 'revoked', revoked_at = excluded.revoked_at`,
    );
  }

  /** The consent of a number, if any was ever asked. */
  get(msisdn: string): ConsentRecord | undefined {
    return this.getStmt.get(msisdn);
  }

  /** Records that consent was asked (a granted one stays granted). */
  request(msisdn: string, now: string): void {
    this.requestStmt.run(msisdn, now);
  }

  /** The employee agreed. */
  grant(msisdn: string, now: string): void {
    this.grantStmt.run(msisdn, now);
  }

  /** Consent withdrawn. */
  revoke(msisdn: string, now: string): void {
    this.revokeStmt.run(msisdn, now);
  }
}
