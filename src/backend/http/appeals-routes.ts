import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../api/errors.js';
import type { BackendServices } from './context.js';
import { defineRoute } from './define-route.js';

/** appeals to the operator. */
export function appealsRoutes(app: FastifyInstance, s: BackendServices): void {
  defineRoute(app, 'appeals.create', ({ principal, body }) => s.appeals.create(principal, body));
  defineRoute(app, 'uploads.create', ({ principal, query, raw }) => {
    if (!raw) {
      throw new ApiError(
        'validation_failed',
        'Send the file as the body, Content-Type application/octet-stream',
        {
          reason: 'upload_body_missing',
        },
      );
    }
    return s.appeals.upload(principal, query.name, raw);
  });
  defineRoute(app, 'appeals.list', ({ principal, query }) => s.appeals.list(principal, query));
  defineRoute(app, 'appeals.show', ({ principal, params }) => s.appeals.show(principal, params.id));
  defineRoute(app, 'appeals.reply', ({ principal, params, body }) =>
    s.appeals.reply(principal, params.id, body.text),
  );
  defineRoute(app, 'appeals.attachment', ({ principal, params }) =>
    s.appeals.attachment(principal, params.id, params.name),
  );
}
