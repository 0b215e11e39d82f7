import type { FastifyInstance } from 'fastify';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** appeals to the operator. */
export function appealsRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'appeals.create', ({ principal, body }) => s.appeals.create(principal, body));
  defineRoute(app, 'appeals.list', ({ principal, query }) => s.appeals.list(principal, query));
  defineRoute(app, 'appeals.show', ({ principal, params }) => s.appeals.show(principal, params.id));
  defineRoute(app, 'appeals.reply', ({ principal, params, body }) =>
    s.appeals.reply(principal, params.id, body.text),
  );
  defineRoute(app, 'appeals.attachment', ({ principal, params }) =>
    s.appeals.attachment(principal, params.id, params.name),
  );
}
