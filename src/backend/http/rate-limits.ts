import rateLimit, { normalizeIP, type FastifyRateLimitStore } from '@fastify/rate-limit';
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../api/errors.js';
import type { RateLimit, RateLimits } from '../../domain/rate-limit-spec.js';
import { bearerSecret } from './request-parts.js';

/** Refuses a request over a limit (429 `rate_limited`), else sets the RateLimit-* headers of its answer. */
export type RateLimitCheck = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

type Bucket = 'ip' | 'read' | 'write';

/** What each bucket counts, for the message of a refusal. */
const WHAT: Record<Bucket, string> = {
  ip: 'requests from this address',
  read: 'reads with this token or session',
  write: 'changes with this token or session',
};

/**
 * Registers @fastify/rate-limit without hooks of its own (`global: false`) over a token-bucket store, and
 * returns the check the app's onRequest hook runs before anything reads the body or the database (routes
 * with `limits: false` aside): the client's address, then its token or session (reads and changes apart). The plugin counts `max`
 * requests per `timeWindow`; a limit of `r`/s with a burst of `b` is `max: b` over `b/r` seconds, which the
 * store refills smoothly (see TokenBucketStore). The headers describe whichever limit is nearer its end,
 * the one that refused on a 429.
 */
export async function rateLimiter(app: FastifyInstance, limits: RateLimits): Promise<RateLimitCheck> {
  await app.register(rateLimit, { global: false, store: TokenBucketStore });
  const window = (l: RateLimit) => ({
    max: l.burst,
    timeWindow: Math.max(1, Math.round((l.burst / l.perSecond) * 1000)),
  });
  const checks = {
    ip: app.createRateLimit(window(limits.ip)),
    read: app.createRateLimit({ ...window(limits.read), keyGenerator: callerKey }),
    write: app.createRateLimit({ ...window(limits.write), keyGenerator: callerKey }),
  };
  return async (req, reply) => {
    if (req.routeOptions.config?.limits === false) return;
    const buckets: Bucket[] = ['ip', req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write'];
    let shown: { max: number; remaining: number; ttlInSeconds: number } | undefined;
    for (const bucket of buckets) {
      const result = await checks[bucket](req);
      if (result.isAllowed) continue; // only an allow list allows outright; there is none
      if (result.isExceeded) {
        headers(reply, { ...result, remaining: 0 });
        const l = limits[bucket];
        throw new ApiError(
          'rate_limited',
          `Too many ${WHAT[bucket]}: at most ${l.burst} at once, then ${l.perSecond} a second; try again in ${result.ttlInSeconds} s`,
          { reason: 'too_many_requests', limit: bucket, retryAfter: result.ttlInSeconds },
        );
      }
      if (!shown || result.remaining <= shown.remaining) shown = result;
    }
    if (shown) headers(reply, shown);
  };
}

/** The IETF draft's headers (draft-ietf-httpapi-ratelimit-headers): the limit, what is left, seconds to refill. */
function headers(reply: FastifyReply, r: { max: number; remaining: number; ttlInSeconds: number }): void {
  reply.header('RateLimit-Limit', r.max);
  reply.header('RateLimit-Remaining', r.remaining);
  reply.header('RateLimit-Reset', r.ttlInSeconds);
}

/**
 * A token or session by a hash of its secret (valid or not: a made-up token is limited too, and the
 * secret itself is never kept); a request without one by its address, as the plugin keys by default.
 */
function callerKey(req: FastifyRequest): string {
  const secret = bearerSecret(req);
  return secret ? `t:${createHash('sha256').update(secret).digest('base64url')}` : `a:${normalizeIP(req.ip)}`;
}

/** Keys kept at most; past it the least recently seen is forgotten (its client gets a full bucket). */
const MAX_KEYS = 100_000;

/**
 * A token bucket per key in the plugin's store interface. The plugin's own store counts fixed windows,
 * which lets twice `max` through around a window's edge; here a bucket holds `max` tokens and gets one
 * back every `timeWindow / max` ms (GCRA: one time per key, when the bucket is full again). A request
 * takes a token or is refused without taking one. `current` is the tokens in use (max + 1 when refused,
 * so the plugin sees it exceeded); `ttl` is the time until the bucket is full, or, when refused, until a
 * token is back — the Retry-After.
 */
class TokenBucketStore implements FastifyRateLimitStore {
  private readonly fullAt = new Map<string, number>();

  incr(
    key: string,
    callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
    timeWindow: number,
    max: number,
  ): void {
    const now = Date.now();
    const interval = timeWindow / max;
    const full = Math.max(this.fullAt.get(key) ?? now, now);
    // A token is free while fewer than max are in use; the epsilon absorbs the division's rounding.
    if (full - now > (max - 1) * interval + 1e-6) {
      callback(null, { current: max + 1, ttl: full - now - (max - 1) * interval });
      return;
    }
    const next = full + interval;
    // Deleted and set again: the Map's order is then the order keys were last seen.
    this.fullAt.delete(key);
    this.fullAt.set(key, next);
    if (this.fullAt.size > MAX_KEYS) this.fullAt.delete(this.fullAt.keys().next().value as string);
    callback(null, { current: Math.ceil((next - now) / interval - 1e-6), ttl: next - now });
  }

  child(): FastifyRateLimitStore {
    return new TokenBucketStore();
  }
}
