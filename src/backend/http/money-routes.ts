import type { FastifyInstance } from 'fastify';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** payments and autopay. */
export function moneyRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'payments.create', ({ principal, body, idempotencyKey }) =>
    s.payments.pay(principal, body, idempotencyKey),
  );
  defineRoute(app, 'payments.list', ({ principal, query }) => s.payments.list(principal, query));
  defineRoute(app, 'autopay.list', ({ principal }) => ({ data: s.payments.autopays(principal) }));
  defineRoute(app, 'autopay.set', ({ principal, body }) => s.payments.setAutopay(principal, body));
  defineRoute(app, 'autopay.off', ({ principal, params }) => {
    s.payments.autopayOff(principal, params.account);
    return { ok: true } as const;
  });
}
