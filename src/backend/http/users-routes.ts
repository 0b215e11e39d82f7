import type { FastifyInstance } from 'fastify';
import type { GrantBody } from '../../api/auth.js';
import { ApiError } from '../../api/errors.js';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';
import { originOf } from './origin.js';

/** The group of a grant, or null for the whole company; exactly one must be given. */
function grantScope(b: GrantBody): string | null {
  if (Boolean(b.group) === Boolean(b.company)) {
    throw new ApiError('validation_failed', 'Give either group or company: true', { reason: 'grant_scope' });
  }
  return b.group ?? null;
}

/** users (read, disable, enable, grant, revoke) and roles. */
export function usersRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'users.list', ({ principal, query }) => s.users.list(principal, query));
  defineRoute(app, 'users.show', ({ principal, params }) => s.users.show(principal, params.id));
  defineRoute(app, 'users.create', ({ principal, body }) => s.users.create(principal, body));
  defineRoute(app, 'users.update', ({ principal, params, body }) =>
    s.users.update(principal, params.id, body),
  );
  defineRoute(app, 'users.resetPassword', ({ principal, params, body }) =>
    s.users.resetPassword(principal, params.id, body.showPassword === true),
  );
  defineRoute(app, 'users.disable', ({ req, principal, params }) =>
    s.users.disable(principal, params.id, originOf(req)),
  );
  defineRoute(app, 'users.enable', ({ principal, params }) => s.users.enable(principal, params.id));
  defineRoute(app, 'users.grant', ({ principal, params, body }) => {
    const b = body;
    return s.users.grant(principal, params.id, b.role, grantScope(b));
  });
  defineRoute(app, 'users.revoke', ({ principal, params, body }) => {
    const b = body;
    return s.users.revoke(principal, params.id, b.role, grantScope(b));
  });
  defineRoute(app, 'roles.create', ({ principal, body }) => {
    const b = body;
    return s.users.createRole(principal, b.name, b.description, b.permissions);
  });
  defineRoute(app, 'roles.update', ({ principal, params, body }) => {
    const b = body;
    return s.users.updateRole(principal, params.name, b.description, b.permissions);
  });
  defineRoute(app, 'roles.delete', ({ principal, params }) => {
    s.users.deleteRole(principal, params.name);
    return { ok: true } as const;
  });
  defineRoute(app, 'roles.list', ({ query }) => s.users.roles(query));
  defineRoute(app, 'roles.permissions', ({ query }) => s.users.permissions(query));
}
