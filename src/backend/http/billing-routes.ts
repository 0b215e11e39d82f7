import type { FastifyInstance } from 'fastify';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** balance, limits, call details (streamed and as background requests) and reports. */
export function billingRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'balance.show', ({ principal, query }) => s.billing.balance(principal, query.account));
  defineRoute(app, 'limits.list', ({ principal, query }) => s.billing.limits(principal, query));
  defineRoute(app, 'limits.groups', ({ principal }) => ({ data: s.billing.groupLimits(principal) }));
  defineRoute(app, 'limits.groupSet', ({ principal, body }) => s.billing.setGroupLimit(principal, body));
  defineRoute(app, 'limits.groupRemove', ({ principal, params }) => {
    s.billing.removeGroupLimit(principal, params.group);
    return { ok: true } as const;
  });
  defineRoute(app, 'cdr.query', ({ principal, body, reply }) => {
    const out = s.detail.query(principal, body);
    reply.type(out.contentType);
    return out.body;
  });
  defineRoute(app, 'detailRequests.create', ({ principal, body, idempotencyKey }) =>
    s.detail.createRequest(principal, body, idempotencyKey),
  );
  defineRoute(app, 'detailRequests.list', ({ principal, query }) => s.detail.list(principal, query));
  defineRoute(app, 'detailRequests.show', ({ principal, params }) => s.detail.show(principal, params.id));
  defineRoute(app, 'detailRequests.file', ({ principal, params, query, reply }) => {
    const out = s.detail.file(principal, params.id, query);
    reply.type(out.contentType);
    return out.body;
  });
  defineRoute(app, 'reports.list', () => ({ data: s.reports.list() }));
  defineRoute(app, 'reports.show', ({ principal, params, query }) =>
    s.reports.show(principal, params.type, query),
  );
  defineRoute(app, 'reports.run', ({ principal, params, body }) =>
    s.reports.show(principal, params.type, body),
  );
}
