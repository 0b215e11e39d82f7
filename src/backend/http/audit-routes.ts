import type { FastifyInstance } from 'fastify';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** audit (read only: no route updates or deletes audit entries). */
export function auditRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'audit.list', ({ principal, query }) => s.audit.list(principal, query));
}
