import type { FastifyInstance } from 'fastify';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';
import { originOf } from './origin.js';
import { planDocument, planLines } from '../engine/plan-output.js';

const FINAL = new Set(['succeeded', 'partially_failed', 'failed', 'cancelled']);

/** operations: submit (or plan), read, items, cancel, roll back (or plan the rollback). */
export function operationsRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(
    app,
    'operations.create',
    async ({ req, reply, principal, body, query, idempotencyKey, setStatus }) => {
      if (query.dryRun === true) {
        const run = await s.operations.plan(principal, body);
        setStatus(200);
        reply.type('application/json; charset=utf-8');
        return planDocument(run);
      }
      return s.operations.submit(principal, body, idempotencyKey, originOf(req));
    },
  );
  defineRoute(app, 'operations.plan', async ({ principal, body, reply }) => {
    const run = await s.operations.plan(principal, body);
    reply.type('application/x-ndjson; charset=utf-8');
    return planLines(run);
  });
  defineRoute(app, 'operations.list', ({ principal, query }) => s.operations.list(principal, query));
  defineRoute(app, 'operations.show', async ({ principal, params, query }) => {
    const id = params.id;
    const first = s.operations.get(principal, id);
    const waitMs = (query.wait ?? 0) * 1000;
    // Long poll: answer at the end or at the first progress, so waiting clients need not sleep-poll.
    const start = Date.now();
    let now = first;
    while (
      !FINAL.has(now.state) &&
      now.queued === first.queued &&
      now.state === first.state &&
      Date.now() - start < waitMs
    ) {
      await new Promise((r) => setTimeout(r, 25));
      now = s.operations.get(principal, id);
    }
    return now;
  });
  defineRoute(app, 'operations.items', ({ principal, params, query }) =>
    s.operations.items(principal, params.id, query),
  );
  defineRoute(app, 'operations.cancel', ({ principal, params }) => s.operations.cancel(principal, params.id));
  defineRoute(app, 'operations.rollback', ({ req, principal, params, idempotencyKey }) =>
    s.operations.rollback(principal, params.id, idempotencyKey, originOf(req)),
  );
  defineRoute(app, 'operations.rollbackPlan', async ({ principal, params, reply }) => {
    const run = await s.operations.rollbackPlan(principal, params.id);
    reply.type('application/x-ndjson; charset=utf-8');
    return planLines(run);
  });
}
