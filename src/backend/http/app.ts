import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { randomBytes } from 'node:crypto';
import { ApiError, ERROR_STATUS, isErrorCode, type ApiErrorBody, type ErrorCode } from '../../api/errors.js';
import { backendStatus } from '../engine/status.js';
import { buildOpenApi } from '../../api/openapi.js';
import { JSON_BODY_LIMIT } from '../../api/routes.js';
import { isPermission } from '../../domain/permissions.js';
import type { RateLimits } from '../../domain/rate-limit-spec.js';
import { requirePermission, requireSession } from '../engine/authz.js';
import type { BackendServices } from './context.js';
import { appealsRoutes } from './appeals-routes.js';
import { auditRoutes } from './audit-routes.js';
import { eventsRoutes } from './events-routes.js';
import { webhooksRoutes } from './webhooks-routes.js';
import { authRoutes } from './auth-routes.js';
import { defineRoute } from './define-route.js';
import { injectFaults, type Faults } from './faults.js';
import { groupsRoutes } from './groups-routes.js';
import { linesRoutes } from './lines-routes.js';
import { locatorRoutes } from './locator-routes.js';
import { moneyRoutes } from './money-routes.js';
import { billingRoutes } from './billing-routes.js';
import { operationsRoutes } from './operations-routes.js';
import { rateLimiter } from './rate-limits.js';
import { originOf } from './origin.js';
import {
  bearerSecret,
  coerceText,
  parseJsonBounded,
  passRawBodies,
  refuseUnreadBody,
} from './request-parts.js';
import { testRoutes } from './test-routes.js';
import { usersRoutes } from './users-routes.js';
import { writeAudit } from '../engine/audit-service.js';

/** All a session with a one-time password may do until the password is changed. */
const ONE_TIME_PASSWORD_ROUTES = new Set(['me.show', 'me.password', 'auth.logout']);

/** Keys never written to the audit log. */
const SECRET_KEYS = new Set(['password', 'newPassword', 'oldPassword', 'token', 'secret']);

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  https?: { cert: Buffer; key: Buffer } | null;
  version: string;
  /** Check every answer against the OpenAPI document (contract-check.ts). */
  checkContract?: boolean;
  /** Rate limits per token or session and per address (rate-limits.ts); null: none. */
  rateLimits: RateLimits | null;
  /** Injected faults (faults.ts); null: none. */
  faults: Faults | null;
}

/** A registered route, as the route-enumerating test sees it. */
export interface RegisteredRoute {
  method: string;
  url: string;
  access: string | undefined;
}

/** Builds the fastify app with every route, the auth hook and the audit hook. */
export async function buildApp(
  s: BackendServices,
  opts: AppOptions,
): Promise<FastifyInstance & { registered: RegisteredRoute[] }> {
  const app = Fastify({
    logger: opts.logger ?? false,
    ...(opts.https ? { https: opts.https } : {}),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{6,80}$/.test(incoming)
        ? incoming
        : `req_${randomBytes(8).toString('hex')}`;
    },
    // No coercion: a body's JSON types are the client's (`true` is not 1 kopeck); the query string and
    // path parameters, which are text, are converted by coerceText before validation.
    // discriminator: a body that is one of several shapes by `type` (operations) is checked against the
    // shape its `type` names, so the errors are about that shape.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, discriminator: true } },
    // Every contract route sets its own limit (routes.ts); this covers anything else.
    bodyLimit: JSON_BODY_LIMIT,
    // fastify's instance type carries its server's generics; the app is used through the plain
    // FastifyInstance (plus the `registered` list decorated below), which TypeScript cannot see fit.
  }) as unknown as FastifyInstance & { registered: RegisteredRoute[] };
  const registered: RegisteredRoute[] = [];
  app.decorate('registered', registered);
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods)
      if (m !== 'HEAD') registered.push({ method: m, url: r.url, access: r.config?.access });
  });

  parseJsonBounded(app);
  passRawBodies(app);

  if (opts.checkContract) {
    const { installContractCheck } = await import('./contract-check.js');
    installContractCheck(app, opts.version);
  }
  const rateLimit = opts.rateLimits ? await rateLimiter(app, opts.rateLimits) : undefined;
  // After the contract check's onSend hook: a stall or a drop happens to the answer as checked. The
  // work of a dropped answer is done, so it is audited like one that was sent.
  const faults = opts.faults
    ? injectFaults(app, opts.faults, (req, reply) => auditAnswer(s, req, reply))
    : undefined;

  // Everything that can refuse a request from its headers alone runs before a byte of the body is
  // read: its size, the rate limits, an injected fault, then who is calling and whether they may. A
  // refused body is never buffered.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('X-Request-Id', req.id);
    faults?.draw(req);
    const limit = req.routeOptions.bodyLimit ?? JSON_BODY_LIMIT;
    try {
      const announced = Number(req.headers['content-length'] ?? 0);
      if (announced > limit) {
        throw new ApiError('payload_too_large', `The body is ${announced} bytes; this route takes ${limit}`, {
          limit,
        });
      }
      await rateLimit?.(req, reply);
      if (await faults?.beforeWork(req, reply)) return;
      authenticate(s, req);
    } catch (err) {
      refuseUnreadBody(req, reply, limit);
      throw err;
    }
  });

  app.addHook('preValidation', async (req) => {
    coerceText(req.query, req.routeOptions.schema?.querystring);
    coerceText(req.params, req.routeOptions.schema?.params);
  });

  app.addHook('onResponse', async (req, reply) => auditAnswer(s, req, reply));

  app.setErrorHandler((err, req, reply) => {
    const body = toErrorBody(err instanceof Error ? err : new Error(String(err)), req.id);
    // A deliberate answer (an injected 503) is not an error of the backend's: faults.ts logs it.
    if (body.status >= 500 && !(err instanceof ApiError)) req.log.error(err);
    if (body.status === 403 && req.principal && !req.denialAudited) {
      auditRequest(s, req, `denied: ${body.body.error.code}`);
    }
    if (body.status === 429 && err instanceof ApiError && typeof err.details?.retryAfter === 'number') {
      reply.header('Retry-After', String(err.details.retryAfter));
    }
    reply.code(body.status).send(body.body);
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({
      error: {
        code: 'not_found',
        message: `No route ${req.method} ${req.url.split('?')[0]}`,
        requestId: req.id,
      },
    } satisfies ApiErrorBody);
  });

  authRoutes(app, s);
  linesRoutes(app, s);
  operationsRoutes(app, s);
  auditRoutes(app, s);
  eventsRoutes(app, s);
  webhooksRoutes(app, s);
  usersRoutes(app, s);
  groupsRoutes(app, s);
  locatorRoutes(app, s);
  appealsRoutes(app, s);
  moneyRoutes(app, s);
  billingRoutes(app, s);
  const openapi = buildOpenApi(opts.version);
  defineRoute(app, 'openapi.show', () => openapi);
  defineRoute(app, 'status.show', () => backendStatus(s.store, s.clock, s.history, opts.version));
  if (s.testMode) testRoutes(app, s);
  await app.ready();
  return app;
}

/**
 * Resolves the caller of a non-public route from the Authorization header and checks the route's
 * permission and the one-time-password rule. A denial is audited here, with what is known before the
 * body is read: the path parameters.
 */
function authenticate(s: BackendServices, req: import('fastify').FastifyRequest): void {
  const access = req.routeOptions.config?.access;
  if (access === undefined || access === 'public') return;
  const secret = bearerSecret(req);
  if (!secret) throw new ApiError('unauthenticated', 'Log in first: no Authorization header');
  req.principal = s.auth.authenticate(secret);
  const routeId = req.routeOptions.config?.routeId;
  if (req.principal.user.mustChangePassword && !ONE_TIME_PASSWORD_ROUTES.has(routeId ?? '')) {
    throw new ApiError('password_change_required', 'Change your one-time password first', {
      reason: 'password_change_required',
    });
  }
  try {
    if (access === 'session') requireSession(req.principal);
    else if (isPermission(access)) requirePermission(req.principal, access);
  } catch (err) {
    auditRequest(s, req, `denied: ${access}`);
    req.denialAudited = true;
    throw err;
  }
}

function toErrorBody(
  err: ApiError | Partial<import('fastify').FastifyError>,
  requestId: string,
): { status: number; body: ApiErrorBody } {
  if (err instanceof ApiError) {
    return {
      status: err.status,
      body: {
        error: {
          code: err.code,
          message: err.message,
          ...(err.details ? { details: err.details } : {}),
          requestId,
        },
      },
    };
  }
  const e = err;
  if (e.validation) {
    return {
      status: 400,
      body: {
        error: {
          code: 'validation_failed',
          message: `Invalid ${e.validationContext ?? 'request'}: ${describeValidation(e.validation, e.validationContext) ?? e.message ?? ''}`,
          details: { errors: e.validation },
          requestId,
        },
      },
    };
  }
  const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
  // fastify's own 4xx: a body that is not JSON (400), too large while streaming (413), another media type.
  const code: ErrorCode =
    status === 500 ? 'internal' : status === 400 ? 'invalid_request' : codeOfStatus(status);
  return {
    status,
    body: {
      error: {
        code: isErrorCode(code) ? code : 'bad_request',
        message: status === 500 ? 'Internal error' : (e.message ?? 'Bad request'),
        requestId,
      },
    },
  };
}

/** The first error code of a status (fastify's own 4xx answers carry none of ours). */
function codeOfStatus(status: number): ErrorCode {
  const code = Object.entries(ERROR_STATUS).find(([, st]) => st === status)?.[0];
  return code !== undefined && isErrorCode(code) ? code : 'bad_request';
}

/** A request's path parameters (fastify types them as unknown). */
function paramsOf(req: import('fastify').FastifyRequest): Record<string, unknown> {
  return req.params && typeof req.params === 'object' ? Object.fromEntries(Object.entries(req.params)) : {};
}

/** Audits a change once its answer is made (sent, or dropped by an injected fault). */
function auditAnswer(s: BackendServices, req: FastifyRequest, reply: FastifyReply): void {
  const routeId = req.routeOptions.config?.routeId;
  if (!routeId || req.method === 'GET' || routeId === 'auth.login') return;
  if (reply.statusCode === 403 || reply.statusCode === 401) return; // denials are audited where they happen
  // Refused before anyone was authenticated (e.g. too large): nobody's action, and no way to flood the log.
  if (!req.principal && req.routeOptions.config?.access !== 'public') return;
  auditRequest(s, req, reply.statusCode < 400 ? 'ok' : `failed: ${reply.statusCode}`);
}

function auditRequest(s: BackendServices, req: import('fastify').FastifyRequest, result: string): void {
  writeAudit(s.store, s.clock, {
    actor: req.principal ?? 'anonymous',
    action: req.routeOptions.config?.routeId ?? `${req.method} ${req.url}`,
    target: targetOf(paramsOf(req)),
    params: { ...paramsOf(req), ...redact(req.body) },
    result,
    origin: originOf(req),
  });
}

/** File contents (appeal attachments) are never copied into the audit log: their size stands in. */
function withoutContent(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutContent);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) =>
      k === 'contentBase64' && typeof v === 'string'
        ? ['bytes', Math.floor((v.length * 3) / 4)]
        : [k, withoutContent(v)],
    ),
  );
}

function targetOf(params: Record<string, unknown> | undefined): string | null {
  const first = params ? Object.values(params)[0] : undefined;
  return first === undefined ? null : String(first);
}

/**
 * One line about the first thing wrong, naming the field: Ajv's own text leaves out which property was
 * not expected, and a choice of constants (`notify` or `block`) comes as one error per constant.
 */
function describeValidation(
  list: import('fastify').FastifySchemaValidationError[],
  context = 'request',
): string | undefined {
  const first = list[0];
  if (!first) return undefined;
  const where = `${context}${first.instancePath}`;
  if (first.keyword === 'additionalProperties' && first.params.additionalProperty !== undefined)
    return `${where} has "${String(first.params.additionalProperty)}", which it does not take`;
  const allowed = list
    .filter((x) => x.instancePath === first.instancePath && x.keyword === 'const')
    .map((x) => String(x.params.allowedValue));
  if (first.keyword === 'const' && allowed.length) return `${where} must be one of: ${allowed.join(', ')}`;
  return `${where} ${first.message ?? 'is not valid'}`;
}

/** The body without secrets; long lists (an operation's targets) are summarized by their length. */
function redact(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  return Object.fromEntries(
    Object.entries(body)
      .filter(([k]) => !SECRET_KEYS.has(k))
      .map(([k, v]) => [k, Array.isArray(v) && v.length > 20 ? { count: v.length } : withoutContent(v)]),
  );
}
