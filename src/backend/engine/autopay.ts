import type { Store } from '../store/store.js';
import { writeAudit } from './audit-service.js';

/**
 * Tops an account up when its balance has fallen below its autopay threshold: one payment per crossing,
 * recorded like any other. Called inside the transaction that charged the account.
 */
export function applyAutopay(store: Store, accountId: string, now: string): boolean {
  const rule = store.payments.autopay(accountId);
  if (!rule || store.payments.balance(accountId) >= rule.below) return false;
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
  return true;
}
