import type { FastifyInstance } from 'fastify';
import type { ReplyOf } from '../../api/routes.js';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';
import { reportDocument, reportLines } from '../engine/report-output.js';

/** balance, limits and alert rules, call details (streamed and as background requests) and reports. */
export function billingRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'balance.show', ({ principal, query }) => s.billing.balance(principal, query.account));
  defineRoute(app, 'limits.list', ({ principal, query }) => s.billing.limits(principal, query));
  defineRoute(app, 'limits.groups', ({ principal }) => ({ data: s.billing.groupLimits(principal) }));
  defineRoute(app, 'limits.groupSet', ({ principal, body }) => s.billing.setGroupLimit(principal, body));
  defineRoute(app, 'limits.groupRemove', ({ principal, params }) => {
    s.billing.removeGroupLimit(principal, params.group);
    return { ok: true } as const;
  });
  defineRoute(app, 'alerts.list', ({ principal, query }) => s.alerts.list(principal, query));
  defineRoute(app, 'alerts.set', ({ principal, query, body, idempotencyKey }) =>
    s.alerts.set(principal, body, query.dryRun === true, idempotencyKey),
  );
  defineRoute(app, 'alerts.remove', ({ principal, body, idempotencyKey }) =>
    s.alerts.remove(principal, body, idempotencyKey),
  );
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
  defineRoute(app, 'reports.show', ({ principal, params, query, setStatus }) => {
    const out = s.reportJobs.request(principal, params.type, query);
    if (out.report) return out.report;
    setStatus(202);
    return out.job;
  });
  defineRoute(app, 'reports.run', ({ principal, params, query, body, setStatus }) => {
    const out = s.reportJobs.request(principal, params.type, { ...body, job: query.job });
    if (out.report) return out.report;
    setStatus(202);
    return out.job;
  });
  defineRoute(app, 'reportJobs.list', ({ principal, query }) => s.reportJobs.list(principal, query));
  defineRoute(app, 'reportJobs.show', ({ principal, params }) => s.reportJobs.show(principal, params.id));
  defineRoute(app, 'reportJobs.result', async ({ principal, params, reply }) => {
    const body = await reportDocument(s.reportJobs.result(principal, params.id));
    reply.type('application/json');
    // The Report as JSON text, written from the stored lines (a big one as a stream, never parsed into
    // objects here); fastify sends text and streams unserialized, which the declared reply type cannot say.
    return body as unknown as ReplyOf<'reportJobs.result'>;
  });
  defineRoute(app, 'reportJobs.lines', ({ principal, params, reply }) => {
    const body = reportLines(s.reportJobs.result(principal, params.id));
    reply.type('application/x-ndjson; charset=utf-8');
    return body;
  });
}
