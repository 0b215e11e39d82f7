import type { FastifyInstance } from 'fastify';
import type { AutopayBody, PaymentBody } from '../../api/money.js';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** payments and autopay. */
export function moneyRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'payments.create', ({ req, principal, body }) => {
    const key = req.headers['idempotency-key'];
    return s.payments.pay(principal, body as PaymentBody, typeof key === 'string' && key ? key : undefined);
  });
  defineRoute(app, 'payments.list', ({ principal, query }) => s.payments.list(principal, query));
  defineRoute(app, 'autopay.list', ({ principal }) => ({ data: s.payments.autopays(principal) }));
  defineRoute(app, 'autopay.set', ({ principal, body }) =>
    s.payments.setAutopay(principal, body as AutopayBody),
  );
  defineRoute(app, 'autopay.off', ({ principal, params }) => {
    s.payments.autopayOff(principal, params.account as string);
    return { ok: true };
  });
}
