import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { buildOpenApi, type OpenApiDocument } from '../../api/openapi.js';

/**
 * Checks every answer against the published OpenAPI document, with a validator that is not fastify's own
 * serializer (Ajv 2020 over the document's schemas): the status must be documented for the operation, the
 * media type declared, and a JSON body must match its schema. A mismatch is logged and turned into a 500
 * `internal` answer naming it, so any test that sees it fails. On in tests (VM_CHECK_CONTRACT=1); it costs
 * a parse and a validation per answer, which a real backend need not pay.
 */
export function installContractCheck(app: FastifyInstance, version: string): void {
  const doc = buildOpenApi(version);
  const errorSchema = doc.components.schemas.Error;
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  // ajv-formats is CommonJS: its default export is the function, or sits under .default.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
    a: Ajv2020,
  ) => void;
  addFormats(ajv);
  const compiled = new Map<string, ValidateFunction>();
  const validatorOf = (key: string, schema: unknown): ValidateFunction => {
    let v = compiled.get(key);
    if (!v) {
      v = ajv.compile(objectSchema(resolveErrorRef(schema, errorSchema)));
      compiled.set(key, v);
    }
    return v;
  };

  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const problem = check(doc, req, reply, payload, validatorOf);
    if (!problem) return payload;
    req.log.error({ problem }, 'answer does not match the OpenAPI document');
    process.stderr.write(`contract mismatch: ${problem}\n`);
    reply.code(500).type('application/json');
    return JSON.stringify({
      error: { code: 'internal', message: `Contract mismatch: ${problem}`, requestId: req.id },
    });
  });
}

function check(
  doc: OpenApiDocument,
  req: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  validatorOf: (key: string, schema: unknown) => ValidateFunction,
): string | null {
  const routeId = req.routeOptions.config?.routeId;
  const url = req.routeOptions.url;
  if (!routeId || !url || routeId === 'openapi.show') return null;
  const operation = doc.paths[url.replace(/:(\w+)/g, '{$1}')]?.[req.method.toLowerCase()];
  if (!operation) return null; // test-only routes are not published
  const status = String(reply.statusCode);
  const responses = operation.responses;
  const listed = responses[status] ?? (reply.statusCode >= 500 ? responses.default : undefined);
  // Error answers are shared: components.responses.<name>, referred to by $ref.
  const answer =
    listed && '$ref' in listed ? doc.components.responses[listed.$ref.split('/').pop() ?? ''] : listed;
  if (!answer) return `${req.method} ${url} answered ${status}, which the document does not list`;
  const type =
    String(reply.getHeader('content-type') ?? '')
      .split(';')[0]
      ?.trim() ?? '';
  const media = answer.content?.[type];
  if (!media)
    return `${req.method} ${url} ${status} answered ${type || 'no type'}, not a declared media type`;
  if (type !== 'application/json' || typeof payload !== 'string') return null;
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return `${req.method} ${url} ${status} is not JSON`;
  }
  const validate = validatorOf(`${routeId} ${status}`, media.schema);
  if (validate(body)) return null;
  const first = validate.errors?.[0];
  return `${req.method} ${url} ${status}: ${first?.instancePath || '(body)'} ${first?.message ?? 'does not match'}`;
}

/** The document refers to its Error schema by $ref; compiled on its own, the schema is put in place. */
function resolveErrorRef(schema: unknown, errorSchema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map((s) => resolveErrorRef(s, errorSchema));
  if (!schema || typeof schema !== 'object') return schema;
  if ('$ref' in schema && schema.$ref === '#/components/schemas/Error') return errorSchema;
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolveErrorRef(v, errorSchema)]));
}

/** A schema Ajv compiles: an object (the document's schemas always are). */
function objectSchema(schema: unknown): object {
  if (!schema || typeof schema !== 'object')
    throw new Error('A response schema of the document is not an object');
  return schema;
}
