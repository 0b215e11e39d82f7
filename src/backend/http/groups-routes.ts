import type { FastifyInstance } from 'fastify';
import type { GroupCreateBody, GroupUpdateBody } from '../../api/lines.js';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** groups: create, rename/move, delete (reading is with the lines). */
export function groupsRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'groups.create', ({ principal, body }) =>
    s.groups.create(principal, body as GroupCreateBody),
  );
  defineRoute(app, 'groups.update', ({ principal, params, body }) =>
    s.groups.update(principal, params.id as string, body as GroupUpdateBody),
  );
  defineRoute(app, 'groups.delete', ({ principal, params, query }) => {
    s.groups.delete(principal, params.id as string, query.moveTo as string | undefined);
    return { ok: true };
  });
}
