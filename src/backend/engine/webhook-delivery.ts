import { WEBHOOK_RETRY_SECONDS } from '../../api/webhooks.js';
import type { Clock } from '../../domain/clock.js';
import { secretKey } from '../../domain/webhook-signature.js';
import type { Store } from '../store/store.js';
import type { AttemptOutcome, QueuedDelivery } from '../store/webhooks-repo.js';
import { nextTurn } from './slice-size.js';
import type { DeliverySender, SendResult } from './webhook-sender.js';
import { creatorRights, creatorSees, pauseWebhook, type WebhookDispatcher } from './webhooks.js';

/** How often the queue looks for due deliveries (and new events to fan out): well under a second. */
export const DELIVERY_POLL_MS = 100;
/** How often an idle active subscription's creator is checked again (a pause needs no event to happen). */
const CREATOR_CHECK_MS = 1000;
/** Pending deliveries a lane reads, checks and hands to the sender at a time. */
const LANE_BATCH = 250;
/**
 * A batch is sent for at most this long (then the rest waits for the next one): the creator's rights,
 * checked before each batch, are never older than this when a delivery goes out (plus that delivery's
 * own attempt, up to 10 s).
 */
export const BATCH_BUDGET_MS = 200;
/** Outcomes kept in memory before they are written (they are written at every look anyway). */
const FLUSH_AT = 500;

/**
 * Sends the queued deliveries: its own timer (every 100 ms), started and stopped with the backend.
 * Each subscription has one lane: one delivery in flight at a time, the oldest pending first, so a
 * receiver sees a subscription's events in order; a failing delivery holds the later ones until its
 * retries end. Lanes of different subscriptions run side by side. Before each batch of a lane (at most
 * 200 ms of sending) the creator's rights are checked again: a creator who may no longer deliver pauses
 * the subscription, and an event now outside the creator's scope is skipped. The sending is async I/O
 * outside any transaction — on a thread of its own when the backend runs built, so a long operation
 * holding this thread does not slow it — and the outcomes are written in batches (a crash before that
 * sends them again: at least once; the receiver dedupes by webhook-id). Retries follow
 * WEBHOOK_RETRY_SECONDS by the backend's clock.
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
    private readonly sender: DeliverySender,
    private readonly dispatcher: WebhookDispatcher,
    private readonly opts: { pollMs?: number } = {},
  ) {}

  /** Starts looking for due deliveries. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Starts the lanes that have a delivery due now (new deliveries queued, a resume, a redelivery). */
  kick(): void {
    if (this.stopped) return;
    try {
      this.startDueLanes(false);
    } catch (err) {
      reportFailure(err);
    }
  }

  /**
   * Stops: attempts in flight are cut short and stay pending (sent again after a restart), what
   * finished is written, and no lane is left running.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sender.close();
    await this.ticking;
    await Promise.all(this.lanes.values());
    this.flush();
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .then((more) => (more ? 0 : (this.opts.pollMs ?? DELIVERY_POLL_MS)))
        .catch((err: unknown) => {
          // SQLite's lock held past busy_timeout by the other thread, most likely: the next look tries again.
          reportFailure(err);
          return this.opts.pollMs ?? DELIVERY_POLL_MS;
        })
        .then((next) => {
          this.ticking = undefined;
          if (!this.stopped) this.schedule(next);
        });
    }, ms);
    this.timer.unref();
  }

  /**
   * One look: fan out new events (a few slices; lanes start as deliveries are queued), write what
   * finished, start the lanes that have a delivery due. True if more events wait to be fanned out.
   */
  private async tick(): Promise<boolean> {
    // While the worker runs a long operation it leaves background work alone: fan out from here too,
    // so deliveries follow their events within a look.
    let more = false;
    for (let i = 0; i < 5 && !this.stopped; i++) {
      await this.store.othersDone();
      more = this.dispatcher.step();
      if (!more) break;
      await nextTurn();
    }
    if (this.stopped) return false;
    await this.store.othersDone();
    this.flush();
    const checkCreators = Date.now() - this.lastCreatorCheck >= CREATOR_CHECK_MS;
    if (checkCreators) this.lastCreatorCheck = Date.now();
    this.startDueLanes(checkCreators);
    return more;
  }

  /** Starts a lane for each active subscription whose oldest pending delivery is due (and pauses those whose creator may no longer deliver, when asked to check). */
  private startDueLanes(checkCreators: boolean): void {
    const now = this.clock.now().toISOString();
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
    while (!this.stopped) {
      await this.store.othersDone();
      this.flush();
      const w = this.store.webhooks.get(id);
      if (!w || w.state !== 'active') return;
      const pending = this.store.webhooks.pending(id, LANE_BATCH);
      const now = this.clock.now().toISOString();
      if (pending.length === 0 || (pending[0]?.nextAttemptAt ?? now) > now) return; // held until due
      const rights = creatorRights(this.store, w, now);
      if ('why' in rights) {
        pauseWebhook(this.store, this.clock, w, rights.why);
        return;
      }
      const batch: QueuedDelivery[] = [];
      for (const d of pending) {
        if ((d.nextAttemptAt ?? now) > now) break;
        // Outside the creator's scope now: never sent (it is no one's to hold the others up).
        if (!creatorSees(rights, d)) {
          this.push({ seq: d.seq, attempt: null, state: 'skipped', nextAttemptAt: null, finishedAt: now });
        } else batch.push(d);
      }
      if (batch.length === 0) continue;
      const key = secretKey(w.secret) as Buffer;
      const results = await this.sender.sendInOrder(w.url, key, batch, BATCH_BUDGET_MS);
      for (const [i, r] of results.entries()) {
        if (r.aborted) return; // the backend is stopping: it stays pending
        this.push(outcomeOf(batch[i] as QueuedDelivery, r, this.clock.now()));
      }
      // The sender stopped early: one failed (it holds the later ones until it is due again), or it
      // went away (they stay pending for the next look).
      if (results.length === 0 || !results[results.length - 1]?.ok) return;
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
