import type { FastifyInstance } from 'fastify';
import type { OperationCreateBody } from '../../api/operations.js';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';
import { originOf } from './origin.js';

const FINAL = new Set(['succeeded', 'partially_failed', 'failed', 'cancelled']);

function idempotencyKey(headers: Record<string, unknown>): string | undefined {
  const key = headers['idempotency-key'];
  return typeof key === 'string' && key.trim() ? key.trim().slice(0, 200) : undefined;
}

/** operations: submit (or plan), read, items, cancel, rollback. */
export function operationsRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'operations.create', ({ req, principal, body, query, setStatus }) => {
    if (query.dryRun === true) {
      setStatus(200);
      return s.operations.plan(principal, body as OperationCreateBody);
    }
    return s.operations.submit(
      principal,
      body as OperationCreateBody,
      idempotencyKey(req.headers),
      originOf(req),
    );
  });
  defineRoute(app, 'operations.list', ({ principal, query }) => s.operations.list(principal, query));
  defineRoute(app, 'operations.show', async ({ principal, params, query }) => {
    const id = params.id as string;
    const first = s.operations.get(principal, id);
    const waitMs = ((query.wait as number | undefined) ?? 0) * 1000;
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
    s.operations.items(principal, params.id as string, query),
  );
  defineRoute(app, 'operations.cancel', ({ principal, params }) =>
    s.operations.cancel(principal, params.id as string),
  );
  defineRoute(app, 'operations.rollback', ({ req, principal, params }) =>
    s.operations.rollback(principal, params.id as string, idempotencyKey(req.headers), originOf(req)),
  );
}
