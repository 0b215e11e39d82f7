import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { JSON_BODY_LIMIT, NO_BODY_LIMIT, routes, type RouteDef, type RouteId } from '../../api/routes.js';
import type { Principal } from '../engine/authz.js';

/** What a handler receives: the request's validated parts and the caller (absent on public routes). */
export interface RouteInput {
  req: FastifyRequest;
  reply: FastifyReply;
  principal: Principal;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  /** Answers with another documented success status (a dry run answers 200 on a 202 route). */
  setStatus(code: number): void;
}

/**
 * Registers a contract route: method, path, schemas and the permission come from `src/api/routes.ts`,
 * so the backend cannot drift from the contract. The handler returns the response body.
 */
export function defineRoute(
  app: FastifyInstance,
  id: RouteId,
  handler: (input: RouteInput) => unknown,
): void {
  const def: RouteDef = routes[id];
  const response =
    def.testOnly || def.stream || id === 'openapi.show'
      ? undefined
      : { [def.status ?? 200]: def.response, ...def.otherResponses };
  app.route({
    method: def.method,
    url: def.path,
    config: { routeId: id, access: def.access },
    bodyLimit: def.bodyLimit ?? (def.body ? JSON_BODY_LIMIT : NO_BODY_LIMIT),
    schema: {
      ...(def.params ? { params: def.params } : {}),
      ...(def.query ? { querystring: def.query } : {}),
      ...(def.body ? { body: def.body } : {}),
      ...(response ? { response } : {}),
    },
    handler: async (req, reply) => {
      let status = def.status ?? 200;
      const result = await handler({
        setStatus: (code) => {
          status = code;
        },
        req,
        reply,
        principal: req.principal as Principal,
        params: (req.params ?? {}) as Record<string, string>,
        query: (req.query ?? {}) as Record<string, unknown>,
        body: (req.body ?? {}) as Record<string, unknown>,
      });
      reply.code(status);
      return result;
    },
  });
}
