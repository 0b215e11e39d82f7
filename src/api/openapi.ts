import type { TSchema } from '@sinclair/typebox';
import { IdempotencyKey } from './common.js';
import { ERROR_STATUS } from './errors.js';
import { routes, type RouteDef, type StreamFormat } from './routes.js';

/** What each documented error status means here; the body is always the error object. */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: a parameter, query or body does not match the schema (validation_failed), or the body is not JSON (bad_request)',
  401: 'Not authenticated: no or unknown token, session expired, token revoked or expired, user disabled; at login: invalid_credentials',
  403: 'Forbidden: a permission or scope is missing, a token cannot do this (session_required), or a one-time password must be changed first',
  404: 'Not found, or outside your scope (the two look the same)',
  409: 'Conflict: the Idempotency-Key was used with another body, or the state does not allow it',
  413: 'The body is larger than this route accepts (payload_too_large); refused before it is read',
  422: 'A business rule refuses it (business_rule, consent_required); details.reason says which',
  415: 'The body is not of the media type this route takes (application/octet-stream)',
  423: 'Too many failed logins: this login is locked for a while (account_locked)',
  429: 'Too many requests (rate_limited, details.reason too_many_requests: a rate limit, see RateLimit-*), or too many open jobs or uploads; Retry-After says when to try again when it can',
  503: 'Unavailable for a moment (unavailable): try again; a backend started with --faults answers so on purpose',
};

/** The rate-limit headers (IETF draft-ietf-httpapi-ratelimit-headers) of every answer of a limited route. */
const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': 'Requests the nearest limit allows at once (its burst)',
  'RateLimit-Remaining': 'Requests left of it now; it refills continuously at its rate',
  'RateLimit-Reset': 'Seconds until it is full again',
};

/** The rate-limit headers of an answer, and Retry-After on a 429, as a part of its response object. */
function rateLimitHeaders(status: string): { headers: Record<string, { $ref: string }> } {
  const names = [...Object.keys(RATE_LIMIT_HEADERS), ...(status === '429' ? ['Retry-After'] : [])];
  return {
    headers: Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }])),
  };
}

/**
 * The answer of an error status ('default': any 5xx) with the error object; on a limited route (when the
 * backend runs with limits, the default) with the rate-limit headers too. The limited ones are shared
 * by every route as components.responses.Error<status>.
 */
function errorAnswer(status: string, limited: boolean): OpenApiResponse {
  return {
    description:
      status === 'default'
        ? 'An unexpected error (5xx), with the same error object'
        : (ERROR_DESCRIPTIONS[Number(status)] ?? ''),
    ...(limited ? rateLimitHeaders(status) : {}),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
}

/**
 * The error statuses a route can answer. Every route: 400 (a malformed request) and 413 (a body over its
 * limit, refused before reading). Not public: 401 and 403. A path parameter, body or filter: 404.
 * A change: 409 and 422. Login: 401 and 423. Rate limited: 429; open to injected faults: 503. And what a
 * route lists in `moreErrors`.
 */
function errorStatuses(id: string, def: RouteDef): number[] {
  const out = new Set<number>([400, 413]);
  if (def.access !== 'public') [401, 403].forEach((x) => out.add(x));
  const filters = Object.keys((def.query?.properties ?? {}) as object).filter(
    (k) => !['limit', 'cursor'].includes(k),
  );
  if (def.params || def.body || filters.length) out.add(404);
  if (def.method !== 'GET' && def.access !== 'public') [409, 422].forEach((x) => out.add(x));
  if (id === 'auth.login') [401, 423].forEach((x) => out.add(x));
  if (def.rawBody) out.add(415);
  if (!def.unlimited) out.add(429);
  if (!def.noFaults) out.add(503);
  for (const status of def.moreErrors ?? []) out.add(status);
  if (def.testOnly) out.delete(404);
  return [...out].sort();
}

/** The description of a route's other success answer. */
function otherDescription(id: string, status: string): string {
  return id === 'operations.create' && status === '200'
    ? 'The plan of a dry run (?dryRun=true); nothing is stored'
    : 'OK';
}

/**
 * A streamed answer: the record schema is described for readers (OpenAPI 3.1 has no per-line schema; 3.2's
 * itemSchema is carried as the x-itemSchema extension), CSV and TSV have a header line of the field names.
 */
function streamContent(
  item: TSchema,
  formats: readonly StreamFormat[] = ['jsonl', 'csv', 'tsv'],
): Record<string, unknown> {
  const fields = Object.keys((item.properties ?? {}) as object).join(', ');
  if (formats.includes('sse')) {
    return {
      'text/event-stream': {
        schema: {
          type: 'string',
          description: `Server-Sent Events: per event an id line, an event line (its type) and a data line (one JSON object with the fields ${fields}, see x-itemSchema); comment lines keep the stream alive`,
        },
        'x-itemSchema': clean(item),
      },
    };
  }
  const jsonl = {
    'application/x-ndjson': {
      schema: {
        type: 'string',
        description: fields
          ? `JSON lines: one record object per line, each with the fields ${fields} (see x-itemSchema)`
          : 'JSON lines: one object per line, each one of the shapes of x-itemSchema',
      },
      'x-itemSchema': clean(item),
    },
  };
  if (!formats.includes('csv')) return jsonl;
  return {
    ...jsonl,
    'text/csv': {
      schema: {
        type: 'string',
        description: `RFC 4180 CSV with a header line (${fields}); with excel=true, ';', a decimal comma, CRLF and a BOM`,
      },
    },
    'text/tab-separated-values': {
      schema: { type: 'string', description: `Tab-separated values with a header line (${fields})` },
    },
  };
}

/** The OpenAPI 3.1 document of the contract, built from the route table (test-only routes left out). */
/** A media type of an answer: its schema (JSON Schema), if it has one. */
export interface OpenApiMedia {
  schema?: unknown;
  [extension: string]: unknown;
}
/** One answer of an operation. */
export interface OpenApiResponse {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, OpenApiMedia>;
}
/** An answer given once in components.responses and referred to. */
export interface OpenApiRef {
  $ref: string;
}
/** One operation (a method of a path). */
export interface OpenApiOperation {
  operationId: string;
  responses: Record<string, OpenApiResponse | OpenApiRef>;
  [field: string]: unknown;
}
/** The document, typed as far as this backend reads it back (the contract check). */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas: Record<string, unknown>;
    responses: Record<string, OpenApiResponse>;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

export function buildOpenApi(version: string): OpenApiDocument {
  const paths: Record<string, Record<string, OpenApiOperation>> = {};
  const named: Record<string, unknown> = {};
  const shared: Record<string, OpenApiResponse> = {};
  for (const [id, def] of Object.entries(routes) as [string, RouteDef][]) {
    if (def.testOnly) continue;
    const path = def.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...propertiesOf(def.params).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
      ...propertiesOf(def.query).map(([name, schema, required]) => ({ name, in: 'query', required, schema })),
      ...(def.lastEventId
        ? [
            {
              name: 'Last-Event-ID',
              in: 'header',
              required: false,
              description: 'The id of the last event received: the stream resumes after it',
              schema: { type: 'string', pattern: '^[0-9]{1,15}$' },
            },
          ]
        : []),
      ...(def.idempotent
        ? [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: IdempotencyKey.description,
              schema: clean(IdempotencyKey),
            },
          ]
        : []),
    ];
    const success: Record<string, TSchema> = {
      [String(def.status ?? 200)]: def.response,
      ...def.otherResponses,
    };
    paths[path] = {
      ...paths[path],
      [def.method.toLowerCase()]: {
        operationId: id,
        summary: def.summary,
        'x-permission': def.access,
        security: def.access === 'public' ? [] : [{ bearer: [] }],
        ...(parameters.length ? { parameters } : {}),
        ...(def.body
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: hoistDiscriminated(clean(def.body), named) } },
              },
            }
          : {}),
        ...(def.rawBody
          ? {
              requestBody: {
                required: true,
                content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
              },
            }
          : {}),
        responses: {
          ...Object.fromEntries(
            Object.entries(success).map(([status, schema]) => [
              status,
              {
                description: status === String(def.status ?? 200) ? 'OK' : otherDescription(id, status),
                ...(def.unlimited ? {} : rateLimitHeaders(status)),
                content: def.stream
                  ? streamContent(schema, def.streamFormats)
                  : { 'application/json': { schema: clean(schema) } },
              },
            ]),
          ),
          ...Object.fromEntries(
            [...errorStatuses(id, def).map(String), 'default'].map((status) => {
              if (def.unlimited) return [status, errorAnswer(status, false)];
              const name = `Error${status === 'default' ? 'Default' : status}`;
              shared[name] = errorAnswer(status, true);
              return [status, { $ref: `#/components/responses/${name}` }];
            }),
          ),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'vm mock operator API',
      version,
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'The corporate cabinet API of the mock operator. Money is integer kopecks; times are UTC ISO-8601. ' +
        `Error codes: ${Object.keys(ERROR_STATUS).join(', ')}.`,
    },
    servers: [{ url: 'http://127.0.0.1:7080' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      responses: Object.fromEntries(Object.entries(shared).sort(([a], [b]) => a.localeCompare(b))),
      headers: {
        ...Object.fromEntries(
          Object.entries(RATE_LIMIT_HEADERS).map(([name, description]) => [
            name,
            { description, schema: { type: 'integer', minimum: 0 } },
          ]),
        ),
        'Retry-After': {
          description: 'Seconds to wait before trying again',
          schema: { type: 'integer', minimum: 0 },
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'requestId'],
              properties: {
                code: { type: 'string', enum: Object.keys(ERROR_STATUS) },
                message: { type: 'string' },
                details: { type: 'object' },
                requestId: { type: 'string' },
              },
            },
          },
        },
        ...named,
      },
    },
    paths,
  };
}

function propertiesOf(schema: TSchema | undefined): [string, unknown, boolean][] {
  if (!schema) return [];
  const props = (schema.properties ?? {}) as Record<string, TSchema>;
  const required = new Set<string>((schema.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => [name, clean(s), required.has(name)]);
}

/** TypeBox schemas carry symbol keys; JSON round-trip leaves plain JSON Schema. */
function clean(schema: TSchema): unknown {
  return JSON.parse(JSON.stringify(schema));
}

/**
 * A `oneOf` with a `discriminator` (the operation bodies, one shape per type) lists its shapes by `$ref`
 * with a mapping, as OpenAPI wants: a discriminator cannot select an inline schema. Each shape becomes
 * a named schema under its `title`.
 */
function hoistDiscriminated(schema: unknown, named: Record<string, unknown>): unknown {
  const s = schema as { oneOf?: { title?: string; properties?: Record<string, { const?: string }> }[] };
  const discriminator = (schema as { discriminator?: { propertyName: string } }).discriminator;
  if (!s.oneOf || !discriminator) return schema;
  const mapping: Record<string, string> = {};
  const oneOf = s.oneOf.map((branch) => {
    const name = branch.title ?? '';
    const value = branch.properties?.[discriminator.propertyName]?.const;
    if (!/^[A-Za-z0-9._-]+$/.test(name) || value === undefined)
      throw new Error(
        `A discriminated shape needs a component-safe title and a const ${discriminator.propertyName}`,
      );
    named[name] = branch;
    mapping[value] = `#/components/schemas/${name}`;
    return { $ref: mapping[value] };
  });
  return { oneOf, discriminator: { ...discriminator, mapping } };
}
