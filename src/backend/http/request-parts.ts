import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../api/errors.js';

/**
 * The deepest nesting of arrays and objects a body may have: several times what any route's schema
 * needs, far less than what overflows a recursive walk of the value (the audit summary, serializers).
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Replaces fastify's JSON parser with one that first checks the nesting depth in one pass over the text,
 * so 50,000 nested brackets are a 400 and never reach code that recurses. Parsing itself is fastify's,
 * with its prototype-poisoning checks.
 */
export function parseJsonBounded(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = String(body); // parseAs: 'string' hands a string
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(
        new ApiError('invalid_request', `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels`),
        undefined,
      );
      return;
    }
    parse(req, text, done);
  });
}

/** True if JSON text nests arrays and objects deeper than `max`; strings are skipped, validity is not checked. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Jump to the closing quote: indexOf keeps a 70 MB base64 string cheap to skip.
      let end = text.indexOf('"', i + 1);
      while (end !== -1 && escaped(text, end)) end = text.indexOf('"', end + 1);
      if (end === -1) return false;
      i = end;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/** A quote preceded by an odd number of backslashes is part of the string. */
function escaped(text: string, quote: number): boolean {
  let backslashes = 0;
  for (let i = quote - 1; i >= 0 && text.charCodeAt(i) === 0x5c; i--) backslashes++;
  return backslashes % 2 === 1;
}

const NUMBER_TEXT = /^-?\d{1,15}(\.\d{1,15})?$/;

/**
 * Query strings and path parameters are text: where the route's schema says integer, number or boolean,
 * the plain text of one (`5`, `-2`, `true`, `false`) becomes that value before validation. Bodies are
 * never coerced — their types are the client's, and `true` or `" 100 "` is not an amount — so Ajv runs
 * with coercion off and this is the only conversion there is.
 */
export function coerceText(values: unknown, schema: unknown): void {
  if (!values || typeof values !== 'object' || !schema || typeof schema !== 'object') return;
  if (!('properties' in schema) || !schema.properties || typeof schema.properties !== 'object') return;
  // fastify's parsed query and params objects: plain objects whose values it lets us replace.
  const record = values as Record<string, unknown>;
  for (const [key, property] of Object.entries(schema.properties)) {
    const text = record[key];
    const type: unknown =
      property && typeof property === 'object' && 'type' in property ? property.type : undefined;
    if (typeof text !== 'string') continue;
    if ((type === 'integer' || type === 'number') && NUMBER_TEXT.test(text)) {
      record[key] = Number(text);
    } else if (type === 'boolean' && (text === 'true' || text === 'false')) {
      record[key] = text === 'true';
    }
  }
}

/**
 * A request refused before its body was read (too large, or no valid caller). A body announced larger
 * than the route's limit is not read: the connection closes after the answer. Any other body is read
 * and thrown away as it arrives, so the client gets its answer on a connection that stays usable —
 * a CLI uploading an appeal on an expired session sees "session expired", not a reset — but only up to
 * the route's limit: a chunked stream past it has the connection closed under it.
 */
export function refuseUnreadBody(req: FastifyRequest, reply: FastifyReply, limit: number): void {
  const raw = req.raw;
  if (raw.readableEnded) return;
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    reply.header('connection', 'close');
    return;
  }
  let seen = 0;
  raw.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > limit) raw.socket.destroy();
  });
}

/** The secret of an `Authorization: Bearer …` header (a session or API token), or '' without one. */
export function bearerSecret(req: FastifyRequest): string {
  const header = req.headers.authorization;
  return typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : '';
}

/**
 * Raw file bodies (application/octet-stream) reach their handler as the request stream itself, unread:
 * the handler writes them to disk chunk by chunk and counts them against the route's limit.
 */
export function passRawBodies(app: FastifyInstance): void {
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
}
