import type { OrderWorld, PlanWorld } from '../../domain/plan.js';
import type { Store } from '../store/store.js';
import { widenedByMove } from './authz.js';

/** The planner's view of the store, plus the money an operation spends as it goes. */
export type SpendingWorld = PlanWorld & { spend(accountId: string, fee: number): void };

/**
 * The one PlanWorld the worker and the dry run share: catalog lookups, and what an account can still
 * spend — read once per account, then lowered by every fee planned or charged in this batch, so a run of
 * paid changes stops at the balance exactly as it would when applied. `tariffCounts` holds this month's
 * tariff changes per number; the caller adds the ones it plans.
 */
export function planWorld(
  store: Store,
  tariffCounts: Map<string, number>,
  /** Groups a number may be moved into (the caller's scope); every group when left out. */
  destination: (groupId: string) => boolean = () => true,
  /** Whether the mover holds a permission over a group, for the move rule; no rule when left out. */
  mover?: (permission: string, groupId: string) => boolean,
): SpendingWorld {
  const changes = store.changes;
  const catalog = store.catalog;
  const available = new Map<string, number>();
  const availableOf = (account: string) => {
    if (!available.has(account)) available.set(account, changes.available(account));
    return available.get(account) as number;
  };
  return {
    tariffs: new Map(catalog.tariffs().map((t) => [t.code, t])),
    services: new Map(catalog.services().map((s) => [s.code, s])),
    // A group outside the caller's scope is, to them, a group that does not exist.
    groups: new Set(
      catalog
        .groupRecords()
        .map((g) => g.id)
        .filter(destination),
    ),
    tariffChangesThisMonth: (m) => tariffCounts.get(m) ?? 0,
    available: availableOf,
    iccidInUse: (iccid) => changes.iccidInUse(iccid),
    numberExists: (m) => changes.numberExists(m),
    spend: (account, fee) => available.set(account, availableOf(account) - fee),
    ...(mover ? { moveAllowed: moveRule(store, mover) } : {}),
  };
}

/**
 * What a SIM order needs besides the PlanWorld, for the worker and the dry run alike: the accounts, and
 * the groups of the order's `scope` (its submitter's at submission; null: the whole company) that exist.
 * `authorCovers` answers whether the author may put a number in a group now.
 */
export function orderWorld(
  store: Store,
  scope: string[] | null,
  authorCovers: (groupId: string) => boolean,
): OrderWorld {
  const accounts = new Map(store.catalog.accounts(null).map((a) => [a.id, a]));
  const groups = store.catalog.groupRecords();
  const exists = new Set(groups.map((g) => g.id));
  return {
    account: (id) => accounts.get(id),
    defaultGroup: scope?.[0] ?? groups[0]?.id,
    inOrderScope: (g) => exists.has(g) && (!scope || scope.includes(g)),
    authorCovers,
  };
}

/** The move rule (see requireMoveWithin) for the planner: read the grants once, answer each pair once. */
function moveRule(
  store: Store,
  mover: (permission: string, groupId: string) => boolean,
): (from: string, to: string) => boolean {
  const groups = store.catalog.groupRecords();
  const grants = store.users.groupGrants();
  const answers = new Map<string, boolean>();
  return (from, to) => {
    const key = `${from}\u0000${to}`;
    let ok = answers.get(key);
    if (ok === undefined) {
      ok = [...widenedByMove(groups, grants, from, to)].every((x) => mover(x, to));
      answers.set(key, ok);
    }
    return ok;
  };
}
