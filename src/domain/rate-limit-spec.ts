import { SpecError, specParts } from './spec-parts.js';

/** A limit as a token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/**
 * The mock backend's rate limits (`vm backend start --rate-limit`): reads (GET, HEAD) and changes (every
 * other method) per token or session, and every request per client address.
 */
export interface RateLimits {
  read: RateLimit;
  write: RateLimit;
  ip: RateLimit;
}

/** The names of the parts of a rate-limit spec. */
const RATE_LIMIT_PARTS = ['read', 'write', 'ip'] as const;

/** What `vm backend start` limits to unless told otherwise. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  read: { perSecond: 20, burst: 40 },
  write: { perSecond: 5, burst: 10 },
  ip: { perSecond: 100, burst: 100 },
};

/** The highest rate and burst a spec may give: far past what one backend answers. */
const MAX_RATE = 1_000_000;

/**
 * Reads `read=20/s:40,write=5/s:10,ip=100/s` (any parts, any order; a part left out keeps its default; a
 * burst left out is one second's worth, at least 1), or `off`: null, no limits. Throws SpecError naming
 * the part that is wrong.
 */
export function parseRateLimitSpec(text: string): RateLimits | null {
  if (text.trim() === 'off') return null;
  const limits: RateLimits = { ...DEFAULT_RATE_LIMITS };
  for (const [name, { part, value }] of specParts(text, RATE_LIMIT_PARTS)) {
    const m = /^(\d+(?:\.\d+)?|\.\d+)\/s(?::(.*))?$/.exec(value);
    const perSecond = m ? Number(m[1]) : NaN;
    if (!m || !(perSecond > 0 && perSecond <= MAX_RATE)) throw new SpecError(part, 'rate');
    const burst = m[2] === undefined ? Math.max(1, Math.ceil(perSecond)) : Number(m[2]);
    if (!/^\d+$/.test(m[2] ?? '1') || !(burst >= 1 && burst <= MAX_RATE)) throw new SpecError(part, 'burst');
    limits[name] = { perSecond, burst };
  }
  return limits;
}
