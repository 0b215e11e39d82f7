import { WEBHOOK_RETRY_SECONDS } from '../../api/webhooks.js';
import type { Clock } from '../../domain/clock.js';
import { deliveryHeaders, secretKey } from '../../domain/webhook-signature.js';
import type { Store } from '../store/store.js';
import type { AttemptOutcome, QueuedDelivery } from '../store/webhooks-repo.js';
import { nextTurn } from './slice-size.js';
import type { SendResult, WebhookSender } from './webhook-sender.js';
import { creatorRights, creatorSees, pauseWebhook, unixNow, type WebhookDispatcher } from './webhooks.js';

/** How often the queue looks for due deliveries (and new events to fan out): well under a second. */
export const DELIVERY_POLL_MS = 100;
/** How often an idle active subscription's creator is checked again (a pause needs no event to happen). */
const CREATOR_CHECK_MS = 1000;
/** Pending deliveries a subscription's lane reads at a time. */
const LANE_BATCH = 100;
/** Outcomes kept in memory before they are written (they are written at every look anyway). */
const FLUSH_AT = 200;

/**
 * Sends the queued deliveries: its own timer (every 100 ms), started and stopped with the backend.
 * Each subscription has one lane: one delivery in flight at a time, the oldest pending first, so a
 * receiver sees a subscription's events in order; a failing delivery holds the later ones until its
 * retries end. Lanes of different subscriptions run side by side. Before each attempt the creator's
 * rights are checked again: a creator who may no longer deliver pauses the subscription, and an event
 * now outside the creator's scope is skipped. Attempts are async I/O outside any transaction; their
 * outcomes are written in batches (a crash before that sends them again: at least once, and the
 * receiver dedupes by webhook-id). Retries follow WEBHOOK_RETRY_SECONDS by the backend's clock.
 */
export class WebhookDeliveries {
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = true;
  private readonly lanes = new Map<string, Promise<void>>();
  private outcomes: (AttemptOutcome & { seq: number })[] = [];
  private lastCreatorCheck = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly sender: WebhookSender,
    private readonly dispatcher: WebhookDispatcher,
    private readonly opts: { pollMs?: number } = {},
  ) {}

  /** Starts looking for due deliveries. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Looks now (new deliveries queued, a subscription resumed, a delivery queued again). */
  kick(): void {
    if (this.stopped || this.ticking) return;
    this.schedule(0);
  }

  /**
   * Stops: attempts in flight are cut short and stay pending (sent again after a restart), what
   * finished is written, and no lane is left running.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.sender.close();
    await this.ticking;
    await Promise.all(this.lanes.values());
    this.flush();
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        if (!this.stopped) this.schedule(this.opts.pollMs ?? DELIVERY_POLL_MS);
      });
    }, ms);
    this.timer.unref();
  }

  /** One look: fan out new events, write what finished, start the lanes that have a delivery due. */
  private async tick(): Promise<void> {
    try {
      // While the worker runs a long operation it leaves background work alone: fan out from here too,
      // so deliveries follow their events within a look.
      for (let i = 0; i < 100 && !this.stopped; i++) {
        await this.store.othersDone();
        if (!this.dispatcher.step()) break;
        await nextTurn();
      }
      if (this.stopped) return;
      await this.store.othersDone();
      this.flush();
      const now = this.clock.now().toISOString();
      const checkCreators = Date.now() - this.lastCreatorCheck >= CREATOR_CHECK_MS;
      if (checkCreators) this.lastCreatorCheck = Date.now();
      for (const w of this.store.webhooks.active()) {
        if (this.lanes.has(w.id)) continue;
        if (checkCreators) {
          const rights = creatorRights(this.store, w, now);
          if ('why' in rights) {
            pauseWebhook(this.store, this.clock, w, rights.why);
            continue;
          }
        }
        const head = this.store.webhooks.head(w.id);
        if (head && head.nextAttemptAt <= now) this.startLane(w.id);
      }
    } catch (err) {
      // SQLite's lock held past busy_timeout by the other thread, most likely: the next look tries again.
      reportFailure(err);
    }
  }

  private startLane(id: string): void {
    const lane = this.runLane(id)
      .catch(reportFailure)
      .finally(() => {
        this.lanes.delete(id);
        try {
          this.flush();
        } catch (err) {
          reportFailure(err);
        }
      });
    this.lanes.set(id, lane);
  }

  /** Sends a subscription's pending deliveries in order until none is due or one fails. */
  private async runLane(id: string): Promise<void> {
    for (;;) {
      await this.store.othersDone();
      this.flush();
      const batch = this.store.webhooks.pending(id, LANE_BATCH);
      if (batch.length === 0) return;
      for (const d of batch) {
        if (this.stopped) return;
        const w = this.store.webhooks.get(id);
        if (!w || w.state !== 'active') return;
        const nowDate = this.clock.now();
        const now = nowDate.toISOString();
        if ((d.nextAttemptAt ?? now) > now) return; // held until its retry is due
        const rights = creatorRights(this.store, w, now);
        if ('why' in rights) {
          await this.store.othersDone();
          this.flush();
          pauseWebhook(this.store, this.clock, w, rights.why);
          return;
        }
        if (!creatorSees(rights, d)) {
          this.push({ seq: d.seq, attempt: null, state: 'skipped', nextAttemptAt: null, finishedAt: now });
          continue;
        }
        const key = secretKey(w.secret) as Buffer;
        const result = await this.sender.send(
          w.url,
          deliveryHeaders(key, d.msgId, unixNow(), d.body),
          d.body,
        );
        if (result.aborted) return; // the backend is stopping: it stays pending
        const outcome = outcomeOf(d, result, this.clock.now());
        this.push(outcome);
        if (outcome.state !== 'delivered') return; // it holds the later ones until it is due again
      }
    }
  }

  private push(o: AttemptOutcome & { seq: number }): void {
    this.outcomes.push(o);
    if (this.outcomes.length >= FLUSH_AT) this.flush();
  }

  /** Writes the outcomes kept so far, in one transaction. */
  private flush(): void {
    if (this.outcomes.length === 0) return;
    const batch = this.outcomes;
    this.outcomes = [];
    try {
      this.store.transaction(() => this.store.webhooks.record(batch));
    } catch (err) {
      // Not written: kept for the next flush (the deliveries are still pending meanwhile).
      this.outcomes = batch.concat(this.outcomes);
      throw err;
    }
  }
}

/** What an attempt makes of its delivery: delivered, failed for good, or due again after the next wait. */
export function outcomeOf(
  d: Pick<QueuedDelivery, 'seq' | 'attempts' | 'tries'>,
  r: SendResult,
  now: Date,
): AttemptOutcome & { seq: number } {
  const time = now.toISOString();
  const attempt = {
    deliverySeq: d.seq,
    attempt: d.attempts + 1,
    time,
    status: r.status,
    latencyMs: r.latencyMs,
    error: r.error,
  };
  if (r.ok) return { seq: d.seq, attempt, state: 'delivered', nextAttemptAt: null, finishedAt: time };
  const wait = WEBHOOK_RETRY_SECONDS[d.tries];
  if (wait === undefined)
    return { seq: d.seq, attempt, state: 'failed', nextAttemptAt: null, finishedAt: time };
  return {
    seq: d.seq,
    attempt,
    state: 'pending',
    nextAttemptAt: new Date(now.getTime() + wait * 1000).toISOString(),
    finishedAt: null,
  };
}

let lastFailureReport = 0;

/** Says on stderr that delivery work failed, once a minute at most (the next look tries again). */
function reportFailure(err: unknown): void {
  const now = Date.now();
  if (now - lastFailureReport < 60_000) return;
  lastFailureReport = now;
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  process.stderr.write(`vm backend: webhook delivery failed (${what}); trying again\n`);
}
