import type { Store } from '../store/store.js';
import { writeAudit } from './audit-service.js';
import { recordEvent } from './events.js';

/**
 * Tops an account up when its balance has fallen below its autopay threshold: one payment per crossing,
 * recorded like any other. Called inside the transaction that charged the account. A fall below the
 * threshold (below zero without autopay) is the event `balance.low`, once per crossing.
 */
export function applyAutopay(store: Store, accountId: string, now: string): boolean {
  const rule = store.payments.autopay(accountId);
  const balance = store.payments.balance(accountId);
  noteBalance(store, accountId, balance, rule?.below ?? 0, now);
  if (!rule || balance >= rule.below) return false;
  store.payments.insert(
    { time: now, accountId, fromAccountId: null, amount: rule.amount, kind: 'autopay', actor: 'autopay' },
    null,
    null,
  );
  writeAudit(store, now, {
    actor: { name: 'autopay', type: 'system' },
    action: 'autopay.top_up',
    target: accountId,
    params: { below: rule.below, amount: rule.amount },
  });
  recordEvent(store, now, {
    type: 'payment.received',
    subject: accountId,
    data: { amount: rule.amount, kind: 'autopay' },
  });
  return true;
}

/** Looks at an account's balance after money came in (a payment): a balance back up may fall again later. */
export function noteBalanceOf(store: Store, accountId: string, now: string): void {
  noteBalance(
    store,
    accountId,
    store.payments.balance(accountId),
    store.payments.autopay(accountId)?.below ?? 0,
    now,
  );
}

/**
 * Records `balance.low` when an account's balance is newly below `threshold`; the meta flag remembers the
 * crossing until a later check sees the balance back up, so a low balance is told once, not per charge.
 */
function noteBalance(store: Store, accountId: string, balance: number, threshold: number, now: string): void {
  const key = `balance.low.${accountId}`;
  const low = balance < threshold;
  const told = store.meta(key) === '1';
  if (low === told) return;
  store.setMeta(key, low ? '1' : '0');
  if (low) {
    recordEvent(store, now, {
      type: 'balance.low',
      subject: accountId,
      data: { balance, threshold },
    });
  }
}
