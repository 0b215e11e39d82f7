/**
 * How much work one slice takes, adjusted to the time it took: background work (the history backfill, a
 * report) holds the thread a slice at a time, and a request waits for at most one slice. A fixed count
 * would be too much on a slow machine (or under a test runner) and too little on a fast one, so the
 * count follows a time budget.
 */
export class SliceSize {
  private current: number;

  constructor(private readonly opts: { budgetMs: number; min: number; max: number; start: number }) {
    this.current = opts.start;
  }

  /** Items for the next slice. */
  get size(): number {
    return this.current;
  }

  /**
   * Learns from a slice of `items` that took `ms`: over the budget it shrinks to fit at once; under it,
   * it grows by half at most, since items differ (a line with its month already stored costs nothing,
   * the next one a month of days) and one cheap slice must not make the next one ten times as big.
   */
  took(items: number, ms: number): void {
    if (items <= 0) return;
    const fits = Math.floor((this.opts.budgetMs * items) / Math.max(ms, 0.01));
    const next = fits < this.current ? fits : Math.min(fits, Math.ceil(this.current * 1.5));
    this.current = Math.min(this.opts.max, Math.max(this.opts.min, next));
  }
}

/** Milliseconds since `start` (performance.now()). */
export const since = (start: number): number => performance.now() - start;

/** Lets the event loop run what waits (requests, timers) before the next slice. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
