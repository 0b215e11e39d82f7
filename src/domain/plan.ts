import { isValidIccid } from './iccid.js';
import { amountParam } from './money.js';
import {
  MAX_TARIFF_CHANGES_PER_MONTH,
  NUMBER_CHANGE_FEE,
  SIM_REPLACE_FEE,
  TARIFF_CHANGE_FEE,
  LIMIT_ACTIONS,
  type ItemCode,
  type OperationType,
} from './operations.js';

/** What the planner needs to know of one number. */
export interface LineState {
  msisdn: string;
  accountId: string;
  region: string;
  groupId: string;
  tariff: string;
  services: string[];
  status: 'active' | 'blocked' | 'suspended_by_operator' | 'terminated';
  blockReason: string | null;
  iccid: string;
  /** The spending limit per billing period, if any. */
  limit: { monthly: number; action: string } | null;
}

/** What the planner needs of the catalog and of the world around one number. */
export interface PlanWorld {
  tariffs: Map<string, { monthlyFee: number; regions: string[] }>;
  services: Map<string, { monthlyFee: number; connectFee: number; incompatibleWith: string[] }>;
  groups: Set<string>;
  /** Tariff changes already made to this number in the current month. */
  tariffChangesThisMonth(msisdn: string): number;
  /** Money the account can still spend (balance + credit limit), in kopecks. */
  available(accountId: string): number;
  /** True if this ICCID is on some other number. */
  iccidInUse(iccid: string): boolean;
  /** True if this number exists anywhere (for number changes). */
  numberExists(msisdn: string): boolean;
  /**
   * True if moving something from group `from` to `to` gives nobody rights the mover lacks there (grants
   * on the destination's ancestry that did not already reach it). Absent: every move is allowed.
   */
  moveAllowed?(from: string, to: string): boolean;
}

/** The change, as before/after fields of the number. */
export type Fields = Partial<
  Pick<LineState, 'tariff' | 'services' | 'status' | 'blockReason' | 'iccid' | 'groupId' | 'msisdn' | 'limit'>
>;

/** What would happen to one number. */
export type ItemPlan =
  | { outcome: 'apply'; before: Fields; after: Fields; monthlyDelta: number; fee: number }
  | { outcome: 'skip'; code: ItemCode; before: Fields }
  | { outcome: 'fail'; code: ItemCode; detail?: string; before?: Fields };

const fail = (code: ItemCode, detail?: string, before?: Fields): ItemPlan => ({
  outcome: 'fail',
  code,
  detail,
  before,
});

/** Blocks on changing a number that is not usable: terminated, suspended by the operator, or (for paid changes) blocked. */
function unusable(line: LineState, blockedToo: boolean): ItemPlan | null {
  if (line.status === 'terminated') return fail('number_terminated');
  if (line.status === 'suspended_by_operator') return fail('number_suspended');
  if (blockedToo && line.status === 'blocked') return fail('number_blocked');
  return null;
}

/** The monthly fee of a set of services. */
function servicesFee(world: PlanWorld, services: string[]): number {
  return services.reduce((sum, s) => sum + (world.services.get(s)?.monthlyFee ?? 0), 0);
}

/** Which of `services` clash with `code` (a tariff or service code), checked in both directions. */
export function clashes(world: PlanWorld, code: string, services: string[]): string[] {
  const own = world.services.get(code)?.incompatibleWith ?? [];
  return services.filter(
    (s) => s !== code && (own.includes(s) || (world.services.get(s)?.incompatibleWith ?? []).includes(code)),
  );
}

/**
 * The business rules of every per-number change: what one item would do to `line` (undefined = unknown
 * or out of scope), with its monthly cost delta and one-time fee. Pure: the engine applies the result.
 */
export function planItem(
  type: OperationType,
  params: Record<string, unknown>,
  line: LineState | undefined,
  world: PlanWorld,
): ItemPlan {
  if (!line) return fail('not_found');
  switch (type) {
    case 'tariff.change': {
      const code = String(params.tariff ?? '').toUpperCase();
      const before: Fields = { tariff: line.tariff };
      const bad = unusable(line, true);
      if (bad) return bad;
      const tariff = world.tariffs.get(code);
      if (!tariff) return fail('tariff_unknown', code);
      if (line.tariff === code) return { outcome: 'skip', code: 'already_on_tariff', before };
      if (!tariff.regions.includes(line.region))
        return fail('tariff_not_in_region', `${code} is not offered in ${line.region}`, before);
      const clash = line.services.filter((s) =>
        (world.services.get(s)?.incompatibleWith ?? []).includes(code),
      );
      if (clash.length)
        return fail('service_incompatible', `${clash.join(', ')} cannot be used with ${code}`, before);
      if (world.tariffChangesThisMonth(line.msisdn) >= MAX_TARIFF_CHANGES_PER_MONTH)
        return fail('tariff_change_limit', undefined, before);
      if (world.available(line.accountId) < TARIFF_CHANGE_FEE)
        return fail('insufficient_balance', undefined, before);
      const oldFee = world.tariffs.get(line.tariff)?.monthlyFee ?? 0;
      return {
        outcome: 'apply',
        before,
        after: { tariff: code },
        monthlyDelta: tariff.monthlyFee - oldFee,
        fee: TARIFF_CHANGE_FEE,
      };
    }
    case 'service.add': {
      const code = String(params.service ?? '').toUpperCase();
      const before: Fields = { services: line.services };
      const bad = unusable(line, true);
      if (bad) return bad;
      const service = world.services.get(code);
      if (!service) return fail('service_unknown', code);
      if (line.services.includes(code)) return { outcome: 'skip', code: 'service_already_active', before };
      if (service.incompatibleWith.includes(line.tariff))
        return fail('service_incompatible', `${code} cannot be used with ${line.tariff}`, before);
      const clash = clashes(world, code, line.services);
      if (clash.length)
        return fail('service_incompatible', `${code} cannot be combined with ${clash.join(', ')}`, before);
      if (world.available(line.accountId) < service.connectFee)
        return fail('insufficient_balance', undefined, before);
      const after = [...line.services, code].sort();
      return {
        outcome: 'apply',
        before,
        after: { services: after },
        monthlyDelta: service.monthlyFee,
        fee: service.connectFee,
      };
    }
    case 'service.remove': {
      const code = String(params.service ?? '').toUpperCase();
      const before: Fields = { services: line.services };
      const bad = unusable(line, false);
      if (bad) return bad;
      if (!world.services.has(code)) return fail('service_unknown', code);
      if (!line.services.includes(code)) return { outcome: 'skip', code: 'service_not_active', before };
      const after = line.services.filter((s) => s !== code);
      return {
        outcome: 'apply',
        before,
        after: { services: after },
        monthlyDelta: -servicesFee(world, [code]),
        fee: 0,
      };
    }
    case 'limit.set': {
      const before: Fields = { limit: line.limit };
      if (line.status === 'terminated') return fail('number_terminated');
      const monthly = amountParam(params.monthly);
      const action = String(params.action ?? 'notify');
      if (monthly === undefined || !(LIMIT_ACTIONS as readonly string[]).includes(action))
        return fail(
          'limit_invalid',
          `monthly=${String(params.monthly).slice(0, 40)} action=${action.slice(0, 40)}`,
          before,
        );
      if (line.limit?.monthly === monthly && line.limit.action === action)
        return { outcome: 'skip', code: 'limit_unchanged', before };
      return { outcome: 'apply', before, after: { limit: { monthly, action } }, monthlyDelta: 0, fee: 0 };
    }
    case 'limit.remove': {
      const before: Fields = { limit: line.limit };
      if (!line.limit) return { outcome: 'skip', code: 'no_limit', before };
      return { outcome: 'apply', before, after: { limit: null }, monthlyDelta: 0, fee: 0 };
    }
    case 'number.block': {
      const before: Fields = { status: line.status, blockReason: line.blockReason };
      const bad = unusable(line, false);
      if (bad) return bad;
      if (line.status === 'blocked') return { outcome: 'skip', code: 'already_blocked', before };
      const reason = String(params.reason ?? 'other');
      return {
        outcome: 'apply',
        before,
        after: { status: 'blocked', blockReason: reason },
        monthlyDelta: 0,
        fee: 0,
      };
    }
    case 'number.unblock': {
      const before: Fields = { status: line.status, blockReason: line.blockReason };
      const bad = unusable(line, false);
      if (bad) return bad;
      if (line.status !== 'blocked') return { outcome: 'skip', code: 'not_blocked', before };
      return {
        outcome: 'apply',
        before,
        after: { status: 'active', blockReason: null },
        monthlyDelta: 0,
        fee: 0,
      };
    }
    case 'sim.replace': {
      const iccid = String(params.iccid ?? '');
      const before: Fields = { iccid: line.iccid };
      const bad = unusable(line, false);
      if (bad) return bad;
      if (!isValidIccid(iccid)) return fail('iccid_invalid', iccid, before);
      if (iccid === line.iccid || world.iccidInUse(iccid)) return fail('iccid_in_use', iccid, before);
      if (world.available(line.accountId) < SIM_REPLACE_FEE)
        return fail('insufficient_balance', undefined, before);
      return { outcome: 'apply', before, after: { iccid }, monthlyDelta: 0, fee: SIM_REPLACE_FEE };
    }
    case 'number.change': {
      const to = String(params.to ?? '');
      const before: Fields = { msisdn: line.msisdn };
      const bad = unusable(line, true);
      if (bad) return bad;
      if (!/^\+7\d{10}$/.test(to) || world.numberExists(to)) return fail('number_unavailable', to, before);
      if (world.available(line.accountId) < NUMBER_CHANGE_FEE)
        return fail('insufficient_balance', undefined, before);
      return { outcome: 'apply', before, after: { msisdn: to }, monthlyDelta: 0, fee: NUMBER_CHANGE_FEE };
    }
    case 'group.move': {
      const group = String(params.group ?? '');
      const before: Fields = { groupId: line.groupId };
      if (!world.groups.has(group)) return fail('group_unknown', group);
      if (line.groupId === group) return { outcome: 'skip', code: 'already_in_group', before };
      if (world.moveAllowed && !world.moveAllowed(line.groupId, group))
        return fail('move_widens_rights', group, before);
      return { outcome: 'apply', before, after: { groupId: group }, monthlyDelta: 0, fee: 0 };
    }
    case 'sim.order':
      // Orders create numbers rather than change one: planSimOrder has their rules.
      return fail('not_found');
  }
}

/** An account, as a SIM order needs to know it. */
export interface AccountState {
  id: string;
  region: string;
}

/** What a SIM order needs to know besides the catalog and the money: accounts and where new numbers may go. */
export interface OrderWorld {
  /** The account with this id, if there is one. */
  account(id: string): AccountState | undefined;
  /** The group a new number joins when the order names none. */
  defaultGroup: string | undefined;
  /** True if the group exists and lies in the order's scope (its submitter's, fixed at submission). */
  inOrderScope(groupId: string): boolean;
  /** True if the order's author may (still) put a number in the group: checked again when it runs. */
  authorCovers(groupId: string): boolean;
}

/** What would happen to one SIM card of an order: a new number on `account`, or a failure. */
export type SimOrderPlan =
  | {
      outcome: 'apply';
      account: AccountState;
      before: Fields;
      after: { tariff: string; groupId: string };
      monthlyDelta: number;
      fee: number;
    }
  | Extract<ItemPlan, { outcome: 'fail' }>;

const failOrder = (code: ItemCode, detail?: string): SimOrderPlan => ({ outcome: 'fail', code, detail });

/**
 * The business rules of one SIM card of an order, for the dry run and the worker alike: the account must
 * exist, the tariff exist and be offered in the account's region, the group lie in the order's scope and
 * the author's, and the account afford the SIM fee (`world.available`, lowered by each card planned or
 * charged before this one). The new number and ICCID are picked by the engine when it applies the plan.
 */
export function planSimOrder(params: Record<string, unknown>, world: PlanWorld & OrderWorld): SimOrderPlan {
  const account = world.account(String(params.account));
  if (!account) return failOrder('account_unknown', String(params.account));
  const code = String(params.tariff).toUpperCase();
  const tariff = world.tariffs.get(code);
  if (!tariff) return failOrder('tariff_unknown', String(params.tariff));
  if (!tariff.regions.includes(account.region))
    return failOrder('tariff_not_in_region', `${code} is not offered in ${account.region}`);
  const groupId = String(params.group ?? world.defaultGroup);
  if (!world.inOrderScope(groupId)) return failOrder('group_unknown', groupId);
  if (!world.authorCovers(groupId)) return failOrder('author_not_permitted', 'out_of_scope');
  if (world.available(account.id) < SIM_REPLACE_FEE) return failOrder('insufficient_balance');
  return {
    outcome: 'apply',
    account,
    before: {},
    after: { tariff: code, groupId },
    monthlyDelta: tariff.monthlyFee,
    fee: SIM_REPLACE_FEE,
  };
}
