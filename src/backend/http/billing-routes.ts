import type { FastifyInstance } from 'fastify';
import type { CdrQueryBody, DetailRequestBody, GroupLimitBody, ReportQuery } from '../../api/billing.js';
import type { RecordFormat } from '../../domain/record-format.js';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** balance, limits, call details (streamed and as background requests) and reports. */
export function billingRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'balance.show', ({ principal, query }) =>
    s.billing.balance(principal, query.account as string | undefined),
  );
  defineRoute(app, 'limits.list', ({ principal, query }) => s.billing.limits(principal, query));
  defineRoute(app, 'limits.groups', ({ principal }) => ({ data: s.billing.groupLimits(principal) }));
  defineRoute(app, 'limits.groupSet', ({ principal, body }) =>
    s.billing.setGroupLimit(principal, body as GroupLimitBody),
  );
  defineRoute(app, 'limits.groupRemove', ({ principal, params }) => {
    s.billing.removeGroupLimit(principal, params.group as string);
    return { ok: true };
  });
  defineRoute(app, 'cdr.query', ({ principal, body, reply }) => {
    const out = s.detail.query(principal, body as CdrQueryBody);
    reply.type(out.contentType);
    return out.body;
  });
  defineRoute(app, 'detailRequests.create', ({ req, principal, body }) => {
    const key = req.headers['idempotency-key'];
    return s.detail.createRequest(
      principal,
      body as DetailRequestBody,
      typeof key === 'string' && key ? key : undefined,
    );
  });
  defineRoute(app, 'detailRequests.list', ({ principal, query }) => s.detail.list(principal, query));
  defineRoute(app, 'detailRequests.show', ({ principal, params }) =>
    s.detail.show(principal, params.id as string),
  );
  defineRoute(app, 'detailRequests.file', ({ principal, params, query, reply }) => {
    const out = s.detail.file(
      principal,
      params.id as string,
      query as { format?: RecordFormat; excel?: boolean; rawCsv?: boolean; fields?: string },
    );
    reply.type(out.contentType);
    return out.body;
  });
  defineRoute(app, 'reports.list', () => ({ data: s.reports.list() }));
  defineRoute(app, 'reports.show', ({ principal, params, query }) =>
    s.reports.show(principal, params.type as string, query as ReportQuery),
  );
  defineRoute(app, 'reports.run', ({ principal, params, body }) =>
    s.reports.show(principal, params.type as string, body as ReportQuery),
  );
}
