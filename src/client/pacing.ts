import type { IncomingHttpHeaders } from 'node:http';

/** The rate-limit window the last answer announced: requests left in it, and when it starts anew. */
interface Window {
  limit?: number;
  remaining: number;
  /** Epoch ms. */
  resetAt: number;
}

/** A wait before a request, and the window that asked for it (for the -v line). */
export interface Pause {
  ms: number;
  remaining: number;
  resetInMs: number;
}

/**
 * Slows a client down before the server refuses it, from the `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset` (seconds) headers of the IETF draft. While the window has room nothing waits. Once it
 * runs low (the last tenth of the limit), requests go at the rate the quota comes back: the limit less
 * what remains, over the seconds until the reset. That is exactly a token bucket's refill (vm's backend
 * says when its bucket is full again); a server that instead renews its whole window at the reset answers
 * an early request 429 with Retry-After, which the retry waits out. Without the limit, the time left is
 * spread over the requests left. Without those headers it never waits. One per client: the window is that
 * of the client's server.
 */
export class Pacer {
  private window?: Window;

  /** Takes the window an answer announces; an answer without the headers leaves the last one. */
  observe(headers: IncomingHttpHeaders, now: number): void {
    const remaining = count(headers['ratelimit-remaining']);
    const reset = count(headers['ratelimit-reset']);
    if (remaining === undefined || reset === undefined) return;
    this.window = { limit: count(headers['ratelimit-limit']), remaining, resetAt: now + reset * 1000 };
  }

  /**
   * The wait before the next request (undefined: go now), which it counts as sent, so requests made
   * together are spread too rather than all waiting the same time.
   */
  next(now: number): Pause | undefined {
    const w = this.window;
    if (!w || now >= w.resetAt) {
      this.window = undefined;
      return undefined;
    }
    const low = w.remaining <= Math.max(1, Math.floor((w.limit ?? 0) / 10));
    const remaining = w.remaining;
    w.remaining = Math.max(0, remaining - 1);
    if (!low) return undefined;
    const resetInMs = w.resetAt - now;
    const comingBack = w.limit !== undefined && w.limit > remaining ? w.limit - remaining : remaining + 1;
    return { ms: Math.ceil(resetInMs / comingBack), remaining, resetInMs };
  }
}

/** A header's leading whole number (`100` or a draft's `100, 100;w=60`); undefined when it has none. */
function count(value: string | string[] | undefined): number | undefined {
  const match = /^\s*(\d+)/.exec(Array.isArray(value) ? (value[0] ?? '') : (value ?? ''));
  return match ? Number(match[1]) : undefined;
}
