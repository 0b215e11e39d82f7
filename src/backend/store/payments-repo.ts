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
