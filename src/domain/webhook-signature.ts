import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures as the Standard Webhooks specification has them (https://www.standardwebhooks.com/):
 * a delivery carries `webhook-id` (the message id, the same on every retry), `webhook-timestamp` (unix
 * seconds of the attempt) and `webhook-signature`: space-separated `v1,<base64 HMAC-SHA256>` of
 * `${id}.${timestamp}.${body}`, keyed with the bytes of the secret (`whsec_` + base64).
 */

/** What a secret starts with. */
export const SECRET_PREFIX = 'whsec_';
/** The secret's key, in bytes: the specification asks for 24 to 64. */
export const SECRET_MIN_BYTES = 24;
export const SECRET_MAX_BYTES = 64;
/** A generated secret's key: 32 random bytes. */
const GENERATED_BYTES = 32;
/** How far a delivery's timestamp may be from the receiver's clock, as the specification suggests. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The three headers of a delivery, by their (lower-case) names. */
export const WEBHOOK_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/** A new secret: `whsec_` and the base64 of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(GENERATED_BYTES).toString('base64');
}

/**
 * The key of a secret (`whsec_` + standard base64 of 24 to 64 bytes), or why it is not one: `prefix`
 * (no `whsec_`), `base64` (not base64), `length` (too few or too many bytes).
 */
export function secretKey(secret: string): Buffer | { problem: 'prefix' | 'base64' | 'length' } {
  if (!secret.startsWith(SECRET_PREFIX)) return { problem: 'prefix' };
  const text = secret.slice(SECRET_PREFIX.length);
  // Node's decoder skips what is not base64; the text must be base64 exactly, padding included.
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text) || text === '')
    return { problem: 'base64' };
  const key = Buffer.from(text, 'base64');
  if (key.length < SECRET_MIN_BYTES || key.length > SECRET_MAX_BYTES) return { problem: 'length' };
  return key;
}

/** The `webhook-signature` value of one delivery attempt: `v1,` and the base64 HMAC-SHA256. */
export function signDelivery(
  key: Uint8Array,
  id: string,
  timestamp: number,
  body: string | Uint8Array,
): string {
  const mac = createHmac('sha256', key);
  mac.update(`${id}.${timestamp}.`);
  mac.update(body);
  return `v1,${mac.digest('base64')}`;
}

/** The three headers of a delivery attempt at `timestamp` (unix seconds). */
export function deliveryHeaders(
  key: Uint8Array,
  id: string,
  timestamp: number,
  body: string | Uint8Array,
): Record<(typeof WEBHOOK_HEADERS)[number], string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signDelivery(key, id, timestamp, body),
  };
}

/** Why a delivery is not genuine. */
export type VerifyProblem =
  | { reason: 'missing_header'; header: string }
  | { reason: 'bad_timestamp' }
  | { reason: 'timestamp_too_old' | 'timestamp_too_new'; skewSeconds: number }
  | { reason: 'bad_signature' };

/**
 * Checks a received delivery as a receiver should: the three headers present (names in any case), the
 * timestamp within `toleranceSeconds` of `now` (unix seconds; replayed old deliveries are refused), and
 * one of the `v1` signatures equal to ours (compared in constant time). Other versions are ignored.
 */
export function verifyDelivery(
  key: Uint8Array,
  headers: Record<string, string | undefined>,
  body: string | Uint8Array,
  opts: { now: number; toleranceSeconds?: number },
): { ok: true; id: string; timestamp: number } | ({ ok: false } & VerifyProblem) {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  for (const name of WEBHOOK_HEADERS) {
    if (!lower.get(name)?.trim()) return { ok: false, reason: 'missing_header', header: name };
  }
  const id = (lower.get('webhook-id') as string).trim();
  const stamp = (lower.get('webhook-timestamp') as string).trim();
  if (!/^\d{1,15}$/.test(stamp)) return { ok: false, reason: 'bad_timestamp' };
  const timestamp = Number(stamp);
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const skew = timestamp - opts.now;
  if (skew < -tolerance) return { ok: false, reason: 'timestamp_too_old', skewSeconds: -skew };
  if (skew > tolerance) return { ok: false, reason: 'timestamp_too_new', skewSeconds: skew };
  const expected = Buffer.from(signDelivery(key, id, timestamp, body).slice(3), 'base64');
  for (const part of (lower.get('webhook-signature') as string).split(' ')) {
    const [version, value] = part.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected))
      return { ok: true, id, timestamp };
  }
  return { ok: false, reason: 'bad_signature' };
}

/**
 * A delivery as a receiver saved it: an HTTP message (an optional request line, `Name: value` header
 * lines, a blank line, the body), or JSON `{"headers": {…}, "body": "…"}`. Returns the headers and the
 * body exactly as saved, or undefined when the text is neither.
 */
export function parseSavedDelivery(
  text: string,
): { headers: Record<string, string>; body: string } | undefined {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      const doc = JSON.parse(trimmed) as { headers?: unknown; body?: unknown };
      if (doc && typeof doc === 'object' && doc.headers && typeof doc.headers === 'object') {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(doc.headers as Record<string, unknown>)) {
          if (typeof v === 'string') headers[k] = v;
          else if (Array.isArray(v) && typeof v[0] === 'string') headers[k] = v.join(' ');
        }
        const body = typeof doc.body === 'string' ? doc.body : JSON.stringify(doc.body ?? '');
        return { headers, body };
      }
    } catch {
      // Not a JSON document: read as an HTTP message below.
    }
  }
  const end = /\r?\n\r?\n/.exec(text);
  const head = end ? text.slice(0, end.index) : text;
  const body = end ? text.slice(end.index + end[0].length) : '';
  const headers: Record<string, string> = {};
  let lines = head.split(/\r?\n/);
  if (lines[0] && /^[A-Z]+ \S+ HTTP\/\d/.test(lines[0])) lines = lines.slice(1);
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}
