import type { FastifyInstance } from 'fastify';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** webhooks: subscriptions, their deliveries, a test delivery and a redelivery. Audited as every change. */
export function webhooksRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'webhooks.list', ({ principal, query }) => s.webhooks.list(principal, query));
  defineRoute(app, 'webhooks.create', ({ principal, body }) => s.webhooks.create(principal, body));
  defineRoute(app, 'webhooks.show', ({ principal, params }) => s.webhooks.show(principal, params.id));
  defineRoute(app, 'webhooks.remove', ({ principal, params }) => s.webhooks.remove(principal, params.id));
  defineRoute(app, 'webhooks.resume', ({ principal, params }) => s.webhooks.resume(principal, params.id));
  defineRoute(app, 'webhooks.test', ({ principal, params }) => s.webhooks.test(principal, params.id));
  defineRoute(app, 'webhooks.deliveries', ({ principal, params, query }) =>
    s.webhooks.deliveries(principal, params.id, query),
  );
  defineRoute(app, 'webhooks.redeliver', ({ principal, params }) =>
    s.webhooks.redeliver(principal, params.id),
  );
}
