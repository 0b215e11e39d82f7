import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { IdempotencyKey } from '../../api/common.js';
import {
  JSON_BODY_LIMIT,
  NO_BODY_LIMIT,
  routes,
  type BodyOf,
  type ParamsOf,
  type QueryOf,
  type ReplyOf,
  type RouteDef,
  type RouteId,
} from '../../api/routes.js';
import type { Principal } from '../engine/authz.js';

/** The headers schema of a route taking an Idempotency-Key: declared once, validated by fastify. */
const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(IdempotencyKey) });

/** What a handler receives: the request's validated parts, typed from the route's schemas, and the caller. */
export interface RouteInput<Id extends RouteId> {
  req: FastifyRequest;
  reply: FastifyReply;
  /** The caller; on public routes there is none, and handlers of those never read it. */
  principal: Principal;
  params: ParamsOf<Id>;
  query: QueryOf<Id>;
  body: BodyOf<Id>;
  /** The unread body stream of a route that takes a raw file (`rawBody`); undefined elsewhere. */
  raw: NodeJS.ReadableStream | undefined;
  /** The validated Idempotency-Key header (trimmed) of a route that takes one. */
  idempotencyKey: string | undefined;
  /** Answers with another documented success status (a dry run answers 200 on a 202 route). */
  setStatus(code: number): void;
}

/**
 * What a handler returns: a documented body, or for a streamed route the stream itself. A handler may also
 * answer a documented body as a stream it writes itself (a dry run's plan, too big to build whole): fastify
 * sends a stream as it is, so that text is the handler's to keep to the schema.
 */
type Reply<Id extends RouteId> = (typeof routes)[Id] extends { stream: true }
  ? unknown
  : ReplyOf<Id> | Readable;

/**
 * Registers a contract route: method, path, schemas and the permission come from `src/api/routes.ts`,
 * so the backend cannot drift from the contract, and the handler's input and result are typed from the
 * same schemas. The handler returns the response body.
 */
export function defineRoute<Id extends RouteId>(
  app: FastifyInstance,
  id: Id,
  handler: (input: RouteInput<Id>) => Reply<Id> | Promise<Reply<Id>>,
): void {
  const def: RouteDef = routes[id];
  const response =
    def.testOnly || def.stream || id === 'openapi.show'
      ? undefined
      : { [def.status ?? 200]: def.response, ...def.otherResponses };
  app.route({
    method: def.method,
    url: def.path,
    config: {
      routeId: id,
      access: def.access,
      limits: !(def.testOnly || def.unlimited),
      faults: !(def.testOnly || def.noFaults),
    },
    bodyLimit: def.bodyLimit ?? (def.body ? JSON_BODY_LIMIT : NO_BODY_LIMIT),
    schema: {
      ...(def.params ? { params: def.params } : {}),
      ...(def.query ? { querystring: def.query } : {}),
      ...(def.body ? { body: def.body } : {}),
      ...(def.idempotent ? { headers: IdempotencyHeaders } : {}),
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
        // The auth hook sets the principal on every route that is not public; fastify validated the
        // parts against exactly these schemas, which is what the casts below state.
        principal: req.principal as Principal,
        params: (req.params ?? {}) as ParamsOf<Id>,
        query: (req.query ?? {}) as QueryOf<Id>,
        body: (def.rawBody ? undefined : req.body) as BodyOf<Id>,
        raw: def.rawBody ? (req.body as NodeJS.ReadableStream | undefined) : undefined,
        idempotencyKey: idempotencyKeyOf(req),
      });
      reply.code(status);
      return result;
    },
  });
}

/** The Idempotency-Key header, trimmed; absent or blank is none. Parsed here only. */
function idempotencyKeyOf(req: FastifyRequest): string | undefined {
  const key = req.headers['idempotency-key'];
  return typeof key === 'string' && key.trim() ? key.trim() : undefined;
}
