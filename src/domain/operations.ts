import type { Permission } from './permissions.js';

/** The kinds of change an operation makes. */
export const OPERATION_TYPES = [
  'tariff.change',
  'service.add',
  'service.remove',
  'number.block',
  'number.unblock',
  'sim.replace',
  'sim.order',
  'number.change',
  'group.move',
  'limit.set',
  'limit.remove',
] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

/** The permission each operation type needs (over the scope of each target). */
export const OPERATION_PERMISSION: Record<OperationType, Permission> = {
  'tariff.change': 'tariff:write',
  'service.add': 'services:write',
  'service.remove': 'services:write',
  'number.block': 'block:write',
  'number.unblock': 'block:write',
  'sim.replace': 'sim:write',
  'sim.order': 'sim:write',
  'number.change': 'sim:write',
  'group.move': 'groups:write',
  'limit.set': 'money:write',
  'limit.remove': 'money:write',
};

export const OPERATION_STATES = [
  'preparing',
  'queued',
  'scheduled',
  'running',
  'succeeded',
  'partially_failed',
  'failed',
  'cancelled',
] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

export const ITEM_STATES = ['queued', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
export type ItemState = (typeof ITEM_STATES)[number];

/** Stable item error codes: why one number was not changed (failed) or needed no change (skipped). */
export const ITEM_CODES = {
  not_found: 'Unknown number, or outside your scope',
  tariff_unknown: 'No such tariff',
  tariff_not_in_region: "The tariff is not offered in the number's region",
  already_on_tariff: 'Already on this tariff',
  tariff_change_limit: 'At most 4 tariff changes per number per month',
  service_unknown: 'No such service',
  service_incompatible: 'The service cannot be combined with the tariff or another service',
  service_already_active: 'The service is already on',
  service_not_active: 'The service is not on',
  number_blocked: 'The number is blocked',
  number_terminated: 'The number is terminated',
  number_suspended: 'The number is suspended by the operator',
  already_blocked: 'Already blocked',
  not_blocked: 'Not blocked',
  insufficient_balance: 'The account balance is below the fee',
  iccid_invalid: 'ICCID must be 19–20 digits with a valid Luhn check digit',
  iccid_in_use: 'The ICCID is on another number',
  group_unknown: 'No such group',
  already_in_group: 'Already in this group',
  number_unavailable: 'The new number is not available',
  account_unknown: 'No such account',
  limit_invalid: 'A limit needs a monthly amount from 0.01 to 10,000,000 RUB and the action notify or block',
  limit_unchanged: 'The number already has this limit',
  no_limit: 'The number has no limit',
  move_widens_rights:
    'Moving it there would give someone rights over it that you do not hold there (a grant on the destination)',
  author_not_permitted:
    'Whoever submitted it may no longer change this number (disabled, the permission or group taken away, or the token revoked)',
} as const;

/** What happens when a line's spending passes its limit. */
export const LIMIT_ACTIONS = ['notify', 'block'] as const;
export type LimitAction = (typeof LIMIT_ACTIONS)[number];
/** True for notify and block. */
export const isLimitAction = (value: string): value is LimitAction =>
  (LIMIT_ACTIONS as readonly string[]).includes(value);
/** The block reason a limit breach sets. */
export const LIMIT_BLOCK_REASON = 'limit_exceeded';
export type ItemCode = keyof typeof ITEM_CODES;

/** At most this many tariff changes per number per calendar month (UTC). */
export const MAX_TARIFF_CHANGES_PER_MONTH = 4;
/** The one-time fee of a tariff change, in kopecks. */
export const TARIFF_CHANGE_FEE = 5000;
/** The one-time fee of a SIM replacement. */
export const SIM_REPLACE_FEE = 15000;
/** The one-time fee of a number change. */
export const NUMBER_CHANGE_FEE = 30000;
