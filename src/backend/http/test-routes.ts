import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../api/errors.js';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** Routes that exist only with --test-mode: moving the manual clock. */
export function testRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'test.clock.show', () => ({ now: s.clock.now().toISOString() }));
  defineRoute(app, 'test.clock.set', async ({ body }) => {
    if (!s.setClock)
      throw new ApiError('conflict', 'The backend runs on the system clock; start it with --clock');
    const b = body;
    const base = b.now ? new Date(b.now) : s.clock.now();
    s.setClock(new Date(base.getTime() + (b.advanceSeconds ?? 0) * 1000));
    // Whatever came due at the new time runs before the answer, so tests see its effect at once.
    await s.worker.idle();
    return { now: s.clock.now().toISOString() };
  });
  defineRoute(app, 'test.outbox', ({ query }) => ({
    data: s.store.audit.outbox(query.recipient),
  }));
  defineRoute(app, 'test.consents.grant', ({ params }) => s.locator.grant(params.msisdn));
}
