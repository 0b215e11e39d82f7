import type { FastifyInstance } from 'fastify';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** accounts, numbers, tariffs, services, groups (read). */
export function linesRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'accounts.list', ({ principal, query }) => s.lines.listAccounts(principal, query));
  defineRoute(app, 'numbers.list', ({ principal, query }) => s.lines.listNumbers(principal, query));
  defineRoute(app, 'numbers.show', ({ principal, params }) => s.lines.showNumber(principal, params.msisdn));
  defineRoute(app, 'tariffs.list', ({ query }) => s.lines.listTariffs(query));
  defineRoute(app, 'services.list', ({ query }) => s.lines.listServices(query));
  defineRoute(app, 'groups.list', ({ principal, query }) => s.lines.listGroups(principal, query));
}
