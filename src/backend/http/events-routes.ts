import type { FastifyInstance } from 'fastify';
import { resumePoint } from '../engine/events.js';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';
import { bearerSecret } from './request-parts.js';

/** events: the list, the catalog and the stream (Server-Sent Events). */
export function eventsRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'events.list', ({ principal, query }) => s.events.list(principal, query));
  defineRoute(app, 'events.types', () => s.events.types());
  defineRoute(app, 'events.stream', ({ req, reply, principal, query }) => {
    const header = req.headers['last-event-id'];
    const from = resumePoint(Array.isArray(header) ? header[0] : header, query.after);
    // The caller is checked again while the stream is open: a logout, a revoked token or a disabled
    // user ends it, and changed grants change what it shows.
    const secret = bearerSecret(req);
    const stream = s.events.stream({ recheck: () => s.auth.authenticate(secret) }, principal, query, from);
    reply.header('content-type', 'text/event-stream; charset=utf-8');
    reply.header('cache-control', 'no-cache');
    reply.header('x-accel-buffering', 'no');
    reply.raw.on('close', () => stream.destroy());
    return stream;
  });
  // An open stream would hold the backend's close until its client went: end them first.
  app.addHook('preClose', async () => s.events.closeStreams());
}
