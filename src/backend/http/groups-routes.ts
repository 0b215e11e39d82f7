import type { FastifyInstance } from 'fastify';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** groups: create, rename/move, delete (reading is with the lines). */
export function groupsRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'groups.create', ({ principal, body }) => s.groups.create(principal, body));
  defineRoute(app, 'groups.update', ({ principal, params, body }) =>
    s.groups.update(principal, params.id, body),
  );
  defineRoute(app, 'groups.delete', ({ principal, params, query }) => {
    s.groups.delete(principal, params.id, query.moveTo);
    return { ok: true } as const;
  });
}
