import type { TSchema } from '@sinclair/typebox';
import { ERROR_STATUS } from './errors.js';
import { routes, type RouteDef } from './routes.js';

/** The OpenAPI 3.1 document of the contract, built from the route table (test-only routes left out). */
export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [id, def] of Object.entries(routes) as [string, RouteDef][]) {
    if (def.testOnly) continue;
    const path = def.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...propertiesOf(def.params).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
      ...propertiesOf(def.query).map(([name, schema, required]) => ({ name, in: 'query', required, schema })),
    ];
    paths[path] = {
      ...paths[path],
      [def.method.toLowerCase()]: {
        operationId: id,
        summary: def.summary,
        'x-permission': def.access,
        security: def.access === 'public' ? [] : [{ bearer: [] }],
        ...(parameters.length ? { parameters } : {}),
        ...(def.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: clean(def.body) } } } }
          : {}),
        responses: {
          [String(def.status ?? 200)]: {
            description: 'OK',
            content: def.stream
              ? {
                  'application/x-ndjson': { schema: clean(def.response) },
                  'text/csv': { schema: { type: 'string' } },
                  'text/tab-separated-values': { schema: { type: 'string' } },
                }
              : { 'application/json': { schema: clean(def.response) } },
          },
          default: {
            description: 'Error',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'vm mock operator API',
      version,
      description:
        'The corporate cabinet API of the mock operator. Money is integer kopecks; times are UTC ISO-8601. ' +
        `Error codes: ${Object.keys(ERROR_STATUS).join(', ')}.`,
    },
    servers: [{ url: 'http://127.0.0.1:7080' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
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
