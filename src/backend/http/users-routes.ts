import type { FastifyInstance } from 'fastify';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** users (read, disable, enable) and roles (read). */
export function usersRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'users.list', ({ principal, query }) => s.users.list(principal, query));
  defineRoute(app, 'users.show', ({ principal, params }) => s.users.show(principal, params.id as string));
  defineRoute(app, 'users.disable', ({ principal, params }) =>
    s.users.disable(principal, params.id as string),
  );
  defineRoute(app, 'users.enable', ({ principal, params }) => s.users.enable(principal, params.id as string));
  defineRoute(app, 'roles.list', ({ query }) => s.users.roles(query));
  defineRoute(app, 'roles.permissions', ({ query }) => s.users.permissions(query));
}
