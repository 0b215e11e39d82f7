import { ApiError } from '../../api/errors.js';
import type { Page } from '../../api/common.js';
import type { Autopay, AutopayBody, Payment, PaymentBody } from '../../api/money.js';
import type { Clock } from '../../domain/clock.js';
import type { Store } from '../store/store.js';
import type { PaymentRecord } from '../store/payments-repo.js';
import { actorName, scopeIds, scopeOf, type Principal } from './authz.js';
import { applyAutopay, noteBalanceOf } from './autopay.js';
import { recordEvent } from './events.js';
import { decodeIntCursor, pageOf } from './paging.js';

/** Payments: top-ups and transfers between the company's accounts, exactly once per Idempotency-Key. */
export class PaymentsService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Records a payment; a transfer needs the source account to afford it (balance + credit). */
  pay(p: Principal, body: PaymentBody, key: string | undefined): Payment {
    if (key) {
      const earlier = this.store.payments.byKey(p.user.id, key);
      if (earlier) {
        if (
          earlier.accountId !== body.account ||
          earlier.amount !== body.amount ||
          earlier.fromAccountId !== (body.from ?? null)
        ) {
          throw new ApiError('idempotency_conflict', 'This Idempotency-Key was used with another payment', {
            reason: 'idempotency_conflict',
          });
        }
        return this.view(earlier);
      }
    }
    const accounts = this.accounts(p, 'money:write');
    const to = accounts.find((a) => a.id === body.account);
    if (!to)
      throw new ApiError('not_found', `No account ${body.account}`, {
        reason: 'account_not_found',
        account: body.account,
      });
    if (body.from !== undefined) {
      const from = accounts.find((a) => a.id === body.from);
      if (!from)
        throw new ApiError('not_found', `No account ${body.from}`, {
          reason: 'account_not_found',
          account: body.from,
        });
      if (from.id === to.id)
        throw new ApiError('validation_failed', 'A transfer needs two different accounts', {
          reason: 'same_account',
        });
      if (from.balance + from.creditLimit < body.amount) {
        throw new ApiError('business_rule', `Account ${from.id} cannot afford the transfer`, {
          reason: 'insufficient_balance',
          account: from.id,
        });
      }
    }
    const now = this.clock.now().toISOString();
    const id = this.store.transaction(() => {
      const paymentId = this.store.payments.insert(
        {
          time: now,
          accountId: to.id,
          fromAccountId: body.from ?? null,
          amount: body.amount,
          kind: body.from ? 'transfer' : 'top_up',
          actor: actorName(p),
        },
        p.user.id,
        key ?? null,
      );
      recordEvent(this.store, now, {
        type: 'payment.received',
        subject: to.id,
        data: { amount: body.amount, kind: body.from ? 'transfer' : 'top_up', from: body.from ?? null },
      });
      noteBalanceOf(this.store, to.id, now);
      if (body.from) applyAutopay(this.store, body.from, now);
      return paymentId;
    });
    return this.view(this.store.payments.get(id) as PaymentRecord);
  }

  /** The autopay rules of the accounts in the caller's money:read scope. */
  autopays(p: Principal): Autopay[] {
    const ids = new Set(this.accounts(p, 'money:read').map((a) => a.id));
    return this.store.payments.autopays().filter((r) => ids.has(r.accountId));
  }

  /** Sets an account's autopay; if the balance is already below the threshold it tops up at once. */
  setAutopay(p: Principal, body: AutopayBody): Autopay {
    const account = this.accounts(p, 'money:write').find((a) => a.id === body.account);
    if (!account)
      throw new ApiError('not_found', `No account ${body.account}`, {
        reason: 'account_not_found',
        account: body.account,
      });
    const now = this.clock.now().toISOString();
    this.store.transaction(() => {
      this.store.payments.setAutopay({
        accountId: account.id,
        below: body.below,
        amount: body.amount,
        updatedAt: now,
        updatedBy: actorName(p),
      });
      applyAutopay(this.store, account.id, now);
    });
    return this.store.payments.autopay(account.id) as Autopay;
  }

  /** Turns an account's autopay off. */
  autopayOff(p: Principal, accountId: string): void {
    const account = this.accounts(p, 'money:write').find((a) => a.id === accountId);
    if (!account || !this.store.payments.deleteAutopay(account.id)) {
      throw new ApiError('not_found', `No autopay on account ${accountId}`, {
        reason: 'autopay_not_found',
        account: accountId,
      });
    }
  }

  /** Payments of the accounts in the caller's money:read scope. */
  list(p: Principal, q: { account?: string; limit?: number; cursor?: string }): Page<Payment> {
    const limit = q.limit ?? 100;
    let ids = this.accounts(p, 'money:read').map((a) => a.id);
    if (q.account) ids = ids.filter((id) => id === q.account);
    const rows = this.store.payments.list(
      ids,
      decodeIntCursor(q.cursor) ?? Number.MAX_SAFE_INTEGER,
      limit + 1,
    );
    return pageOf(
      rows,
      limit,
      (r) => r.id,
      (r) => this.view(r),
    );
  }

  private accounts(p: Principal, permission: 'money:read' | 'money:write') {
    return this.store.catalog.accounts(scopeIds(scopeOf(p, permission, this.store.catalog.groupRecords())));
  }

  private view(r: PaymentRecord): Payment {
    const account = this.store.catalog.accounts(null).find((a) => a.id === r.accountId);
    return { ...r, ...(account ? { balanceAfter: account.balance } : {}) };
  }
}
