import type { FastifyInstance } from 'fastify';
import { decodeIntCursor, pageOf } from '../engine/paging.js';
import { tokenView } from '../engine/auth-service.js';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';
import { originOf } from './origin.js';

/** auth, me, sessions (login history), tokens, notifications. */
export function authRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'auth.login', ({ req, body }) => {
    const b = body;
    return s.auth.login(b.login, b.password, originOf(req, b.client));
  });
  defineRoute(app, 'auth.logout', ({ principal }) => {
    s.auth.logout(principal);
    return { ok: true } as const;
  });
  defineRoute(app, 'me.show', ({ principal }) => s.auth.me(principal));
  defineRoute(app, 'me.password', ({ principal, body }) => {
    const b = body;
    return {
      ok: true as const,
      sessionsEnded: s.auth.changePassword(principal, b.oldPassword, b.newPassword),
    };
  });
  defineRoute(app, 'sessions.list', ({ principal, query }) => {
    const limit = query.limit ?? 100;
    const before = decodeIntCursor(query.cursor) ?? Number.MAX_SAFE_INTEGER;
    const rows = s.store.auth.logins(principal.user.id, before, limit + 1);
    return pageOf(
      rows,
      limit,
      (r) => r.id,
      (r) => ({
        id: r.id,
        time: r.time,
        login: r.login,
        ip: r.ip,
        client: r.client,
        success: r.success,
        reason: r.reason,
        current: r.sessionId !== null && r.sessionId === principal.sessionId,
      }),
    );
  });
  defineRoute(app, 'tokens.list', ({ principal, query }) => {
    const limit = query.limit ?? 100;
    const after = decodeIntCursor(query.cursor) ?? 0;
    return pageOf(s.store.auth.tokens(principal.user.id, after, limit + 1), limit, (t) => t.id, tokenView);
  });
  defineRoute(app, 'tokens.create', ({ principal, body }) => {
    const b = body;
    return s.auth.createToken(principal, b.name, b.scope, b.expiresAt);
  });
  defineRoute(app, 'tokens.revoke', ({ principal, params }) => s.auth.revokeToken(principal, params.id));
  defineRoute(app, 'notifications.list', ({ principal, query }) => {
    const limit = query.limit ?? 100;
    const before = decodeIntCursor(query.cursor) ?? Number.MAX_SAFE_INTEGER;
    return pageOf(s.store.audit.notifications(principal.user.id, before, limit + 1), limit, (n) => n.id);
  });
}
