/**
 * The permission catalog. A role is a set of these; a grant gives a role over a group subtree
 * (or the whole company). Descriptions are shown by `vm roles permissions`.
 */
export const PERMISSIONS = {
  'numbers:read': 'See numbers, their tariffs, services, status and employees',
  'tariff:write': 'Change tariffs of numbers',
  'services:write': 'Add and remove services on numbers',
  'block:write': 'Block and unblock numbers',
  'sim:write': 'Replace and order SIM cards, change numbers',
  'groups:write': 'Create, rename, move and delete groups; move numbers between groups',
  'detail:read': 'Read call detail records',
  'money:read': 'See balances, payments, autopay and limits',
  'money:write': 'Make payments, set autopay and spending limits',
  'reports:read': 'Build reports',
  'appeals:write': 'File and answer appeals to the operator',
  'locate:read': "Locate employees' numbers (with their consent)",
  'users:admin': 'Manage users, roles and grants',
  'audit:read': 'Read the audit log',
  'events:read': 'Read events and follow the event stream',
  'webhooks:admin': 'Create and manage webhook subscriptions',
} as const;

/** One permission of the catalog. */
export type Permission = keyof typeof PERMISSIONS;

/** Every permission, in catalog order. */
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

/** True if `p` names a permission of the catalog. */
export function isPermission(p: string): p is Permission {
  return Object.hasOwn(PERMISSIONS, p);
}

/**
 * What a route requires: a permission, `authenticated` (any signed-in caller, a token included),
 * `session` (an interactive session only: the caller's own tokens, password, login history and outbox,
 * which an API token must never reach whatever its scope), or `public` (login, the OpenAPI document).
 */
export type RouteAccess = Permission | 'authenticated' | 'session' | 'public';
