/**
 * Method, path and required access of every route — plain data without schemas, so the CLI's client can
 * load it without TypeBox. `routes.ts` adds the schemas; together they are the contract.
 */
export const endpoints = {
  'auth.login': { method: 'POST', path: '/v1/auth/login', access: 'public' },
  'auth.logout': { method: 'POST', path: '/v1/auth/logout', access: 'authenticated' },
  'me.show': { method: 'GET', path: '/v1/me', access: 'authenticated' },
  'sessions.list': { method: 'GET', path: '/v1/sessions', access: 'authenticated' },
  'tokens.list': { method: 'GET', path: '/v1/tokens', access: 'authenticated' },
  'tokens.create': { method: 'POST', path: '/v1/tokens', access: 'authenticated' },
  'tokens.revoke': { method: 'DELETE', path: '/v1/tokens/:id', access: 'authenticated' },
  'notifications.list': { method: 'GET', path: '/v1/notifications', access: 'authenticated' },
  'accounts.list': { method: 'GET', path: '/v1/accounts', access: 'numbers:read' },
  'numbers.list': { method: 'GET', path: '/v1/numbers', access: 'numbers:read' },
  'numbers.show': { method: 'GET', path: '/v1/numbers/:msisdn', access: 'numbers:read' },
  'tariffs.list': { method: 'GET', path: '/v1/tariffs', access: 'numbers:read' },
  'services.list': { method: 'GET', path: '/v1/services', access: 'numbers:read' },
  'groups.list': { method: 'GET', path: '/v1/groups', access: 'numbers:read' },
  'openapi.show': { method: 'GET', path: '/v1/openapi.json', access: 'public' },
  'test.clock.show': { method: 'GET', path: '/v1/test/clock', access: 'public' },
  'test.clock.set': { method: 'POST', path: '/v1/test/clock', access: 'public' },
  'operations.create': { method: 'POST', path: '/v1/operations', access: 'authenticated' },
  'operations.list': { method: 'GET', path: '/v1/operations', access: 'authenticated' },
  'operations.show': { method: 'GET', path: '/v1/operations/:id', access: 'authenticated' },
  'operations.items': { method: 'GET', path: '/v1/operations/:id/items', access: 'authenticated' },
  'operations.cancel': { method: 'POST', path: '/v1/operations/:id/cancel', access: 'authenticated' },
  'operations.rollback': { method: 'POST', path: '/v1/operations/:id/rollback', access: 'authenticated' },
  'audit.list': { method: 'GET', path: '/v1/audit', access: 'audit:read' },
  'users.list': { method: 'GET', path: '/v1/users', access: 'users:admin' },
  'users.show': { method: 'GET', path: '/v1/users/:id', access: 'users:admin' },
  'users.create': { method: 'POST', path: '/v1/users', access: 'users:admin' },
  'users.update': { method: 'PATCH', path: '/v1/users/:id', access: 'users:admin' },
  'users.resetPassword': { method: 'POST', path: '/v1/users/:id/reset-password', access: 'users:admin' },
  'me.password': { method: 'POST', path: '/v1/me/password', access: 'authenticated' },
  'test.outbox': { method: 'GET', path: '/v1/test/outbox', access: 'public' },
  'users.disable': { method: 'POST', path: '/v1/users/:id/disable', access: 'users:admin' },
  'users.enable': { method: 'POST', path: '/v1/users/:id/enable', access: 'users:admin' },
  'roles.list': { method: 'GET', path: '/v1/roles', access: 'users:admin' },
  'users.grant': { method: 'POST', path: '/v1/users/:id/grants', access: 'users:admin' },
  'users.revoke': { method: 'POST', path: '/v1/users/:id/grants/revoke', access: 'users:admin' },
  'roles.create': { method: 'POST', path: '/v1/roles', access: 'users:admin' },
  'roles.update': { method: 'PATCH', path: '/v1/roles/:name', access: 'users:admin' },
  'roles.delete': { method: 'DELETE', path: '/v1/roles/:name', access: 'users:admin' },
  'roles.permissions': { method: 'GET', path: '/v1/permissions', access: 'authenticated' },
} as const;

/** A route id, e.g. `numbers.list`. */
export type RouteId = keyof typeof endpoints;
