import type { Db } from './db.js';

/** A payment as stored. */
export interface PaymentRecord {
  id: number;
  time: string;
  accountId: string;
  fromAccountId: string | null;
  amount: number;
  kind: 'top_up' | 'transfer' | 'autopay';
  actor: string;
}

/** An autopay rule: top the account up by `amount` when its balance falls below `below`. */
export interface AutopayRecord {
  accountId: string;
  below: number;
  amount: number;
  updatedAt: string;
  updatedBy: string;
}

const COLUMNS = 'id, time, account_id AS accountId, from_account_id AS fromAccountId, amount, kind, actor';

/** Payments and the balance moves they make. Callers wrap a payment in one transaction. */
export class PaymentsRepo {
  constructor(private readonly db: Db) {}

  /** Records a payment and moves the money; returns its id. */
  insert(p: Omit<PaymentRecord, 'id'>, createdBy: number | null, idempotencyKey: string | null): number {
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO payments (time, account_id, from_account_id, amount, kind, actor, created_by, idempotency_key)
           VALUES (@time, @accountId, @fromAccountId, @amount, @kind, @actor, @createdBy, @idempotencyKey)`,
        )
        .run({ ...p, createdBy, idempotencyKey }).lastInsertRowid,
    );
    this.db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?').run(p.amount, p.accountId);
    if (p.fromAccountId)
      this.db
        .prepare('UPDATE accounts SET balance = balance - ? WHERE id = ?')
        .run(p.amount, p.fromAccountId);
    return id;
  }

  /** The autopay rule of an account. */
  autopay(accountId: string): AutopayRecord | undefined {
    return this.db
      .prepare<[string], AutopayRecord>(
        'SELECT account_id AS accountId, below, amount, updated_at AS updatedAt, updated_by AS updatedBy FROM autopay WHERE account_id = ?',
      )
      .get(accountId);
  }

  /** Every autopay rule. */
  autopays(): AutopayRecord[] {
    return this.db
      .prepare<[], AutopayRecord>(
        'SELECT account_id AS accountId, below, amount, updated_at AS updatedAt, updated_by AS updatedBy FROM autopay ORDER BY account_id',
      )
      .all();
  }

  /** Sets (or replaces) an account's autopay rule. */
  setAutopay(r: AutopayRecord): void {
    this.db
      .prepare(
        `INSERT INTO autopay (account_id, below, amount, updated_at, updated_by) VALUES (@accountId, @below, @amount, @updatedAt, @updatedBy)
         ON CONFLICT (account_id) DO UPDATE SET below = excluded.below, amount = excluded.amount,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(r);
  }

  /** Turns an account's autopay off; returns whether there was one. */
  deleteAutopay(accountId: string): boolean {
    return this.db.prepare('DELETE FROM autopay WHERE account_id = ?').run(accountId).changes > 0;
  }

  /** The balance of an account. */
  balance(accountId: string): number {
    return (
      this.db
        .prepare<[string], { balance: number }>('SELECT balance FROM accounts WHERE id = ?')
        .get(accountId)?.balance ?? 0
    );
  }

  /** One payment. */
  get(id: number): PaymentRecord | undefined {
    return this.db.prepare<[number], PaymentRecord>(`SELECT ${COLUMNS} FROM payments WHERE id = ?`).get(id);
  }

  /** The payment this user made with this idempotency key. */
  byKey(userId: number, key: string): PaymentRecord | undefined {
    return this.db
      .prepare<[number, string], PaymentRecord>(
        `SELECT ${COLUMNS} FROM payments WHERE created_by = ? AND idempotency_key = ?`,
      )
      .get(userId, key);
  }

  /** Payments touching these accounts (null = all), newest first, before id `before`. */
  list(accounts: string[] | null, before: number, limit: number): PaymentRecord[] {
    return this.db
      .prepare<{ accounts: string | null; before: number; limit: number }, PaymentRecord>(
        `SELECT ${COLUMNS} FROM payments
          WHERE (@accounts IS NULL OR account_id IN (SELECT value FROM json_each(@accounts))
                 OR from_account_id IN (SELECT value FROM json_each(@accounts)))
            AND id < @before ORDER BY id DESC LIMIT @limit`,
      )
      .all({ accounts: accounts ? JSON.stringify(accounts) : null, before, limit });
  }
}
