import type { FastifyInstance } from 'fastify';
import type {
  GrantBody,
  RoleCreateBody,
  RoleUpdateBody,
  UserCreateBody,
  UserUpdateBody,
} from '../../api/auth.js';
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
  defineRoute(app, 'users.show', ({ principal, params }) => s.users.show(principal, params.id as string));
  defineRoute(app, 'users.create', ({ principal, body }) =>
    s.users.create(principal, body as UserCreateBody),
  );
  defineRoute(app, 'users.update', ({ principal, params, body }) =>
    s.users.update(principal, params.id as string, body as UserUpdateBody),
  );
  defineRoute(app, 'users.resetPassword', ({ principal, params, body }) =>
    s.users.resetPassword(principal, params.id as string, body.showPassword === true),
  );
  defineRoute(app, 'users.disable', ({ req, principal, params }) =>
    s.users.disable(principal, params.id as string, originOf(req)),
  );
  defineRoute(app, 'users.enable', ({ principal, params }) => s.users.enable(principal, params.id as string));
  defineRoute(app, 'users.grant', ({ principal, params, body }) => {
    const b = body as GrantBody;
    return s.users.grant(principal, params.id as string, b.role, grantScope(b));
  });
  defineRoute(app, 'users.revoke', ({ principal, params, body }) => {
    const b = body as GrantBody;
    return s.users.revoke(principal, params.id as string, b.role, grantScope(b));
  });
  defineRoute(app, 'roles.create', ({ principal, body }) => {
    const b = body as RoleCreateBody;
    return s.users.createRole(principal, b.name, b.description, b.permissions);
  });
  defineRoute(app, 'roles.update', ({ principal, params, body }) => {
    const b = body as RoleUpdateBody;
    return s.users.updateRole(principal, params.name as string, b.description, b.permissions);
  });
  defineRoute(app, 'roles.delete', ({ principal, params }) => {
    s.users.deleteRole(principal, params.name as string);
    return { ok: true };
  });
  defineRoute(app, 'roles.list', ({ query }) => s.users.roles(query));
  defineRoute(app, 'roles.permissions', ({ query }) => s.users.permissions(query));
}
