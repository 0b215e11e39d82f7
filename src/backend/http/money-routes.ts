import type { FastifyInstance } from 'fastify';
import type { PaymentBody } from '../../api/money.js';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** payments. */
export function moneyRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'payments.create', ({ req, principal, body }) => {
    const key = req.headers['idempotency-key'];
    return s.payments.pay(principal, body as PaymentBody, typeof key === 'string' && key ? key : undefined);
  });
  defineRoute(app, 'payments.list', ({ principal, query }) => s.payments.list(principal, query));
}
