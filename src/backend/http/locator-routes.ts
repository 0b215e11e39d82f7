import type { FastifyInstance } from 'fastify';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';
import { originOf } from './origin.js';

/** locate and consents. */
export function locatorRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'locate.show', ({ req, principal, params }) =>
    s.locator.locate(principal, params.msisdn, originOf(req)),
  );
  defineRoute(app, 'consents.show', ({ principal, params }) => s.locator.consent(principal, params.msisdn));
  defineRoute(app, 'consents.request', ({ principal, params }) =>
    s.locator.request(principal, params.msisdn),
  );
  defineRoute(app, 'consents.revoke', ({ principal, params }) => s.locator.revoke(principal, params.msisdn));
}
