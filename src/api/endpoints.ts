/** What the client needs to know of a route. */
export interface Endpoint {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** fastify-style path, e.g. /v1/numbers/:msisdn */
  path: string;
  access: string;
  /**
   * Changes nothing though it is not a GET (a plan, a query, a report): a client may send it again after
   * a failure, as it does a GET. `{ query }`: only when that query flag is true (a dry run of a change).
   */
  safe?: true | { query: string };
}

/**
 * Method, path and required access of every route — plain data without schemas, so the CLI's client can
 * load it without TypeBox. `routes.ts` adds the schemas; together they are the contract.
 */
export const endpoints = {
  'auth.login': { method: 'POST', path: '/v1/auth/login', access: 'public' },
  'auth.logout': { method: 'POST', path: '/v1/auth/logout', access: 'authenticated' },
  'me.show': { method: 'GET', path: '/v1/me', access: 'authenticated' },
  'sessions.list': { method: 'GET', path: '/v1/sessions', access: 'session' },
  'tokens.list': { method: 'GET', path: '/v1/tokens', access: 'session' },
  'tokens.create': { method: 'POST', path: '/v1/tokens', access: 'session' },
  'tokens.revoke': { method: 'DELETE', path: '/v1/tokens/:id', access: 'session' },
  'notifications.list': { method: 'GET', path: '/v1/notifications', access: 'session' },
  'accounts.list': { method: 'GET', path: '/v1/accounts', access: 'numbers:read' },
  'numbers.list': { method: 'GET', path: '/v1/numbers', access: 'numbers:read' },
  'numbers.show': { method: 'GET', path: '/v1/numbers/:msisdn', access: 'numbers:read' },
  'tariffs.list': { method: 'GET', path: '/v1/tariffs', access: 'numbers:read' },
  'services.list': { method: 'GET', path: '/v1/services', access: 'numbers:read' },
  'groups.list': { method: 'GET', path: '/v1/groups', access: 'numbers:read' },
  'openapi.show': { method: 'GET', path: '/v1/openapi.json', access: 'public' },
  'test.clock.show': { method: 'GET', path: '/v1/test/clock', access: 'public' },
  'test.clock.set': { method: 'POST', path: '/v1/test/clock', access: 'public' },
  'groups.create': { method: 'POST', path: '/v1/groups', access: 'groups:write' },
  'groups.update': { method: 'PATCH', path: '/v1/groups/:id', access: 'groups:write' },
  'groups.delete': { method: 'DELETE', path: '/v1/groups/:id', access: 'groups:write' },
  'operations.create': {
    method: 'POST',
    path: '/v1/operations',
    access: 'authenticated',
    safe: { query: 'dryRun' },
  },
  'operations.plan': { method: 'POST', path: '/v1/operations/plan', access: 'authenticated', safe: true },
  'operations.list': { method: 'GET', path: '/v1/operations', access: 'authenticated' },
  'operations.show': { method: 'GET', path: '/v1/operations/:id', access: 'authenticated' },
  'operations.items': { method: 'GET', path: '/v1/operations/:id/items', access: 'authenticated' },
  'operations.cancel': { method: 'POST', path: '/v1/operations/:id/cancel', access: 'authenticated' },
  'operations.rollback': { method: 'POST', path: '/v1/operations/:id/rollback', access: 'authenticated' },
  'operations.rollbackPlan': {
    method: 'POST',
    path: '/v1/operations/:id/rollback/plan',
    access: 'authenticated',
    safe: true,
  },
  'audit.list': { method: 'GET', path: '/v1/audit', access: 'audit:read' },
  'events.list': { method: 'GET', path: '/v1/events', access: 'events:read' },
  'events.types': { method: 'GET', path: '/v1/events/types', access: 'events:read' },
  'events.stream': { method: 'GET', path: '/v1/events/stream', access: 'events:read' },
  'webhooks.list': { method: 'GET', path: '/v1/webhooks', access: 'webhooks:admin' },
  'webhooks.create': { method: 'POST', path: '/v1/webhooks', access: 'webhooks:admin' },
  'webhooks.show': { method: 'GET', path: '/v1/webhooks/:id', access: 'webhooks:admin' },
  'webhooks.remove': { method: 'DELETE', path: '/v1/webhooks/:id', access: 'webhooks:admin' },
  'webhooks.resume': { method: 'POST', path: '/v1/webhooks/:id/resume', access: 'webhooks:admin' },
  'webhooks.test': { method: 'POST', path: '/v1/webhooks/:id/test', access: 'webhooks:admin' },
  'webhooks.deliveries': { method: 'GET', path: '/v1/webhooks/:id/deliveries', access: 'webhooks:admin' },
  'webhooks.redeliver': {
    method: 'POST',
    path: '/v1/webhook-deliveries/:id/redeliver',
    access: 'webhooks:admin',
  },
  'users.list': { method: 'GET', path: '/v1/users', access: 'users:admin' },
  'users.show': { method: 'GET', path: '/v1/users/:id', access: 'users:admin' },
  'users.create': { method: 'POST', path: '/v1/users', access: 'users:admin' },
  'users.update': { method: 'PATCH', path: '/v1/users/:id', access: 'users:admin' },
  'users.resetPassword': { method: 'POST', path: '/v1/users/:id/reset-password', access: 'users:admin' },
  'me.password': { method: 'POST', path: '/v1/me/password', access: 'session' },
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
  'locate.show': { method: 'GET', path: '/v1/locate/:msisdn', access: 'locate:read' },
  'consents.show': { method: 'GET', path: '/v1/consents/:msisdn', access: 'locate:read' },
  'consents.request': { method: 'POST', path: '/v1/consents/:msisdn/request', access: 'locate:read' },
  'consents.revoke': { method: 'POST', path: '/v1/consents/:msisdn/revoke', access: 'locate:read' },
  'test.consents.grant': { method: 'POST', path: '/v1/test/consents/:msisdn', access: 'public' },
  'appeals.create': { method: 'POST', path: '/v1/appeals', access: 'appeals:write' },
  'uploads.create': { method: 'POST', path: '/v1/uploads', access: 'appeals:write' },
  'appeals.list': { method: 'GET', path: '/v1/appeals', access: 'appeals:write' },
  'appeals.show': { method: 'GET', path: '/v1/appeals/:id', access: 'appeals:write' },
  'appeals.reply': { method: 'POST', path: '/v1/appeals/:id/replies', access: 'appeals:write' },
  'appeals.attachment': { method: 'GET', path: '/v1/appeals/:id/attachments/:name', access: 'appeals:write' },
  'payments.create': { method: 'POST', path: '/v1/payments', access: 'money:write' },
  'payments.list': { method: 'GET', path: '/v1/payments', access: 'money:read' },
  'autopay.list': { method: 'GET', path: '/v1/autopay', access: 'money:read' },
  'autopay.set': { method: 'POST', path: '/v1/autopay', access: 'money:write' },
  'autopay.off': { method: 'DELETE', path: '/v1/autopay/:account', access: 'money:write' },
  'balance.show': { method: 'GET', path: '/v1/balance', access: 'money:read' },
  'limits.list': { method: 'GET', path: '/v1/limits', access: 'money:read' },
  'limits.groups': { method: 'GET', path: '/v1/limits/groups', access: 'money:read' },
  'limits.groupSet': { method: 'POST', path: '/v1/limits/groups', access: 'money:write' },
  'limits.groupRemove': { method: 'DELETE', path: '/v1/limits/groups/:group', access: 'money:write' },
  'alerts.list': { method: 'GET', path: '/v1/alerts', access: 'money:read' },
  'alerts.set': { method: 'POST', path: '/v1/alerts', access: 'money:write', safe: { query: 'dryRun' } },
  'alerts.remove': { method: 'POST', path: '/v1/alerts/remove', access: 'money:write' },
  'cdr.query': { method: 'POST', path: '/v1/cdr/query', access: 'detail:read', safe: true },
  'detailRequests.create': { method: 'POST', path: '/v1/detail-requests', access: 'detail:read' },
  'detailRequests.list': { method: 'GET', path: '/v1/detail-requests', access: 'detail:read' },
  'detailRequests.show': { method: 'GET', path: '/v1/detail-requests/:id', access: 'detail:read' },
  'detailRequests.file': { method: 'GET', path: '/v1/detail-requests/:id/file', access: 'detail:read' },
  'reports.list': { method: 'GET', path: '/v1/reports', access: 'reports:read' },
  'reports.show': { method: 'GET', path: '/v1/reports/:type', access: 'reports:read' },
  'reports.run': { method: 'POST', path: '/v1/reports/:type', access: 'reports:read', safe: true },
  'reportJobs.list': { method: 'GET', path: '/v1/report-jobs', access: 'reports:read' },
  'reportJobs.show': { method: 'GET', path: '/v1/report-jobs/:id', access: 'reports:read' },
  'reportJobs.result': { method: 'GET', path: '/v1/report-jobs/:id/result', access: 'reports:read' },
  'reportJobs.lines': { method: 'GET', path: '/v1/report-jobs/:id/lines', access: 'reports:read' },
  'status.show': { method: 'GET', path: '/v1/status', access: 'authenticated' },
} as const satisfies Record<string, Endpoint>;

/** A route id, e.g. `numbers.list`. */
export type RouteId = keyof typeof endpoints;
