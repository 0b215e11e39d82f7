import { randomBytes, randomUUID } from 'node:crypto';
import type { Page } from '../../api/common.js';
import { ApiError } from '../../api/errors.js';
import {
  MAX_WEBHOOKS_PER_USER,
  type CreatedWebhook,
  type Webhook,
  type WebhookCreateBody,
  type WebhookDelivery,
  type WebhookDeliveryQuery,
  type WebhookTestResult,
} from '../../api/webhooks.js';
import type { Clock } from '../../domain/clock.js';
import { EVENT_RETENTION_DAYS, parseTypePatterns, typeMatches } from '../../domain/events.js';
import { checkWebhookUrl } from '../../domain/webhook-address.js';
import { deliveryHeaders, generateSecret, secretKey } from '../../domain/webhook-signature.js';
import type { Store } from '../store/store.js';
import type { AttemptRecord, DeliveryRecord, WebhookRecord } from '../store/webhooks-repo.js';
import { writeAudit } from './audit-service.js';
import { authorNow } from './author-rights.js';
import { holds, scopeOf, type Principal, type Scope } from './authz.js';
import { eventView, recordEvent } from './events.js';
import { decodeIntCursor, decodeCursor, pageOf } from './paging.js';
import { SliceSize, since } from './slice-size.js';
import { unixNow, type WebhookSender } from './webhook-sender.js';

/** The meta key of the dispatcher's cursor: the last event it has queued deliveries for. */
export const DISPATCH_CURSOR = 'webhooks.cursor';

/** What a subscription may deliver now, on its creator's current rights; or why it must pause. */
export type CreatorRights = { principal: Principal; scope: Scope } | { why: string };

/**
 * The creator's rights now (through the API token it was made with, if any): paused when the creator is
 * disabled (`disabled`), the token revoked or expired (`token_revoked`), or webhooks:admin is gone
 * (`permission_missing`). Otherwise the creator's events:read scope.
 */
export function creatorRights(store: Store, w: WebhookRecord, now: string): CreatorRights {
  const principal = authorNow(store, w.createdBy, w.tokenId, now);
  if ('why' in principal) return { why: principal.why };
  if (!holds(principal, 'webhooks:admin')) return { why: 'permission_missing' };
  return { principal, scope: scopeOf(principal, 'events:read', store.catalog.groupRecords()) };
}

/** True if the creator may see an event of this group and user (the rule of GET /v1/events). */
export function creatorSees(
  rights: { principal: Principal; scope: Scope },
  e: { groupId: string | null; userId: number | null },
): boolean {
  if (rights.scope.kind === 'all' || e.userId === rights.principal.user.id) return true;
  return e.groupId !== null && rights.scope.ids.has(e.groupId);
}

/**
 * Pauses a subscription whose creator may no longer deliver it (in its own transaction): audited as
 * `webhooks.pause` by the backend and told as the event `webhook.paused`. Nothing when it was not active.
 */
export function pauseWebhook(store: Store, clock: Clock, w: WebhookRecord, why: string): void {
  const now = clock.now().toISOString();
  store.transaction(() => {
    if (!store.webhooks.pause(w.id, why, now)) return;
    const creator = store.users.get(w.createdBy)?.email ?? String(w.createdBy);
    writeAudit(store, now, {
      actor: { name: 'webhooks', type: 'system' },
      action: 'webhooks.pause',
      target: w.id,
      params: { reason: why, createdBy: creator, url: w.url },
    });
    recordEvent(store, now, {
      type: 'webhook.paused',
      subject: w.id,
      userId: w.createdBy,
      data: { reason: why, createdBy: creator, url: w.url },
    });
  });
}

/** A delivery's body: the event as GET /v1/events gives it, in the Standard Webhooks envelope. */
export function deliveryBody(type: string, timestamp: string, data: unknown): string {
  return JSON.stringify({ type, timestamp, data });
}

/** A new delivery id (the `webhook-id` header): unique, whatever happens to the data directory. */
export function newMessageId(): string {
  return `msg_${randomUUID().replaceAll('-', '')}`;
}

/** Subscriptions: what the routes do, within the caller's webhooks:admin rights. */
export class WebhooksService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly sender: WebhookSender,
    /** Looks for deliveries now (a resume, a redelivery). */
    private readonly kick: () => void = () => {},
  ) {}

  /** A page of the subscriptions the caller may manage. */
  list(p: Principal, q: { limit?: number; cursor?: string }): Page<Webhook> {
    const limit = q.limit ?? 100;
    const rows = this.store.webhooks.list(this.ownerFilter(p), decodeCursor(q.cursor) ?? '', limit + 1);
    return pageOf(
      rows,
      limit,
      (w) => w.id,
      (w) => this.view(w),
    );
  }

  show(p: Principal, id: string): Webhook {
    return this.view(this.find(p, id));
  }

  /**
   * Subscribes a URL: the event patterns must match catalog types, a given secret must be one, and the
   * URL must pass the address rule now (its host resolved; every address allowed). Events from now on.
   */
  async create(p: Principal, body: WebhookCreateBody): Promise<CreatedWebhook> {
    const events = [...new Set(body.events.map((e) => e.trim()).filter(Boolean))];
    const parsed = parseTypePatterns(events.join(','));
    if ('unknown' in parsed || events.length === 0) {
      const type = 'unknown' in parsed ? parsed.unknown : '';
      throw new ApiError('validation_failed', `No event type matches "${type}"`, {
        reason: 'webhook_event_unknown',
        type,
      });
    }
    const secret = body.secret ?? generateSecret();
    const key = secretKey(secret);
    if (!Buffer.isBuffer(key)) {
      throw new ApiError(
        'validation_failed',
        'The secret must be whsec_ and the base64 of 24 to 64 bytes (Standard Webhooks)',
        { reason: 'webhook_secret_invalid', problem: key.problem },
      );
    }
    const url = await this.checkUrl(body.url);
    if (this.store.webhooks.countOf(p.user.id) >= MAX_WEBHOOKS_PER_USER) {
      throw new ApiError('business_rule', `You have ${MAX_WEBHOOKS_PER_USER} webhooks already`, {
        reason: 'too_many_webhooks',
        max: MAX_WEBHOOKS_PER_USER,
      });
    }
    const id = `wh_${randomBytes(8).toString('hex')}`;
    this.store.transaction(() =>
      this.store.webhooks.create({
        id,
        url: url.href,
        description: body.description?.trim() || null,
        events,
        secret,
        createdBy: p.user.id,
        tokenId: p.token?.id ?? null,
        // Events before it are not its own: it starts with the next one.
        afterEvent: this.store.events.lastId(),
        createdAt: this.clock.now().toISOString(),
      }),
    );
    return { secret, webhook: this.show(p, id) };
  }

  /** Deletes a subscription with its deliveries. */
  remove(p: Principal, id: string): { ok: true } {
    const w = this.find(p, id);
    this.store.transaction(() => this.store.webhooks.remove(w.id));
    return { ok: true };
  }

  /**
   * Resumes a paused subscription once its creator may deliver it again (422 while not). Deliveries
   * queued before the pause go out; the events of the pause are not sent.
   */
  resume(p: Principal, id: string): Webhook {
    const w = this.find(p, id);
    if (w.state === 'active') return this.view(w);
    const rights = creatorRights(this.store, w, this.clock.now().toISOString());
    if ('why' in rights) {
      throw new ApiError('business_rule', `The creator of ${w.id} may not deliver it (${rights.why})`, {
        reason: 'webhook_creator_not_permitted',
        why: rights.why,
        creator: this.store.users.get(w.createdBy)?.email ?? String(w.createdBy),
      });
    }
    this.store.transaction(() => this.store.webhooks.resume(w.id, this.store.events.lastId()));
    this.kick();
    return this.show(p, w.id);
  }

  /** Sends a signed `webhook.test` delivery now (not queued, not retried) and says what the receiver did. */
  async test(p: Principal, id: string): Promise<WebhookTestResult> {
    const w = this.find(p, id);
    const key = secretKey(w.secret) as Buffer;
    const msgId = newMessageId();
    const body = deliveryBody('webhook.test', this.clock.now().toISOString(), {
      webhookId: w.id,
      message: 'A test delivery from vm: nothing happened',
    });
    const r = await this.sender.send(w.url, deliveryHeaders(key, msgId, unixNow(), body), body);
    return { ok: r.ok, status: r.status, latencyMs: r.latencyMs, error: r.error };
  }

  /** A page of a subscription's deliveries, newest first, with their attempts. */
  deliveries(
    p: Principal,
    id: string,
    q: WebhookDeliveryQuery & { limit?: number; cursor?: string },
  ): Page<WebhookDelivery> {
    const w = this.find(p, id);
    const limit = q.limit ?? 100;
    const rows = this.store.webhooks.deliveries(
      w.id,
      q.state ?? null,
      decodeIntCursor(q.cursor) ?? Number.MAX_SAFE_INTEGER,
      limit + 1,
    );
    return pageOf(
      rows,
      limit,
      (r) => r.delivery.seq,
      (r) => deliveryView(r.delivery, r.attempts),
    );
  }

  /** Queues a delivered or failed delivery again (409 while pending), with its webhook-id. */
  redeliver(p: Principal, msgId: string): WebhookDelivery {
    const found = this.store.webhooks.delivery(msgId);
    const w = found && this.visible(p, found.delivery.webhookId);
    if (!found || !w) {
      throw new ApiError('not_found', `No delivery ${msgId}`, {
        reason: 'webhook_delivery_not_found',
        id: msgId,
      });
    }
    const now = this.clock.now().toISOString();
    const queued = this.store.transaction(() => this.store.webhooks.requeue(found.delivery.seq, now));
    if (!queued) {
      throw new ApiError('conflict', `Delivery ${msgId} is still pending`, {
        reason: 'webhook_delivery_pending',
        id: msgId,
      });
    }
    this.kick();
    const again = this.store.webhooks.delivery(msgId) as NonNullable<typeof found>;
    return deliveryView(again.delivery, again.attempts);
  }

  /** The URL, checked by form and by the addresses its host resolves to now. */
  private async checkUrl(text: string): Promise<URL> {
    const form = checkWebhookUrl(text.trim());
    if ('problem' in form) {
      const reason = {
        invalid: 'webhook_url_invalid',
        not_https: 'webhook_url_not_https',
        credentials: 'webhook_url_credentials',
      }[form.problem];
      throw new ApiError('business_rule', `The webhook URL is refused (${form.problem})`, {
        reason,
        url: text.slice(0, 200),
      });
    }
    const refused = await this.sender.checkHost(form.url);
    if (refused?.problem === 'unresolvable') {
      throw new ApiError('business_rule', `The host ${refused.host} does not resolve`, {
        reason: 'webhook_url_unresolvable',
        host: refused.host,
      });
    }
    if (refused?.problem === 'address') {
      if (refused.kind === 'not_loopback') {
        throw new ApiError('business_rule', 'Only a loopback receiver may be called over http', {
          reason: 'webhook_url_not_https',
          url: text.slice(0, 200),
        });
      }
      throw new ApiError(
        'business_rule',
        `The host ${refused.host} resolves to ${refused.address}, a ${refused.kind} address, which webhooks may not call`,
        { reason: 'webhook_url_private', host: refused.host, address: refused.address, kind: refused.kind },
      );
    }
    return form.url;
  }

  /** null: every subscription (webhooks:admin over the whole company); else the caller's own. */
  private ownerFilter(p: Principal): number | null {
    return scopeOf(p, 'webhooks:admin', this.store.catalog.groupRecords()).kind === 'all' ? null : p.user.id;
  }

  private visible(p: Principal, id: string): WebhookRecord | undefined {
    const w = this.store.webhooks.get(id);
    if (!w) return undefined;
    const owner = this.ownerFilter(p);
    return owner === null || owner === w.createdBy ? w : undefined;
  }

  /** A subscription the caller may manage; 404 otherwise (another's looks unknown). */
  private find(p: Principal, id: string): WebhookRecord {
    const w = this.visible(p, id);
    if (!w) throw new ApiError('not_found', `No webhook ${id}`, { reason: 'webhook_not_found', id });
    return w;
  }

  private view(w: WebhookRecord): Webhook {
    const stats = this.store.webhooks.stats(w.id);
    return {
      id: w.id,
      url: w.url,
      description: w.description,
      events: w.events,
      state: w.state,
      pausedReason: w.pausedReason,
      pausedAt: w.pausedAt,
      createdBy: this.store.users.get(w.createdBy)?.email ?? String(w.createdBy),
      createdAt: w.createdAt,
      pending: stats.pending,
      failed: stats.failed,
      lastDeliveryAt: stats.last,
    };
  }
}

/** The API's view of a delivery. */
export function deliveryView(d: DeliveryRecord, attempts: AttemptRecord[]): WebhookDelivery {
  return {
    id: d.msgId,
    webhookId: d.webhookId,
    eventId: d.eventId,
    eventType: d.eventType,
    state: d.state,
    createdAt: d.createdAt,
    nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt : null,
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      time: a.time,
      status: a.status,
      latencyMs: a.latencyMs,
      error: a.error,
    })),
  };
}

/**
 * The fan-out: reads the events after its cursor (meta `webhooks.cursor`) and queues a delivery for each
 * active subscription whose patterns match the event's type and whose creator may see it now, in the
 * same transaction as the cursor's move — so a restart loses no event and queues none twice. It looks
 * first and writes only when there is something to queue; a slice is one transaction within ~10 ms.
 * Also deletes deliveries finished more than the event retention ago (looked for once a minute).
 */
export class WebhookDispatcher {
  private readonly slice = new SliceSize({ budgetMs: 10, min: 50, max: 2000, start: 200 });
  private nextPrune = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Told when deliveries were queued (the sender looks for them at once). */
    private readonly onQueued: () => void = () => {},
  ) {}

  /** One slice of work; true if it did some (the worker calls again). */
  step(): boolean {
    if (this.dispatch()) return true;
    return this.prune();
  }

  private dispatch(): boolean {
    const subs = this.store.webhooks.active();
    if (subs.length === 0) return false;
    const cursor = Number(this.store.meta(DISPATCH_CURSOR) ?? 0);
    // Events up to every subscription's start are no one's: no need to walk them.
    const from = Math.max(cursor, Math.min(...subs.map((s) => s.afterEvent)));
    if (this.store.events.lastId() <= from) return false;
    const now = this.clock.now().toISOString();
    // A creator who may no longer deliver pauses the subscription; its events are not queued.
    const targets: { w: WebhookRecord; rights: { principal: Principal; scope: Scope } }[] = [];
    for (const w of subs) {
      const rights = creatorRights(this.store, w, now);
      if ('why' in rights) pauseWebhook(this.store, this.clock, w, rights.why);
      else targets.push({ w, rights });
    }
    const started = performance.now();
    const limit = this.slice.size;
    const looked = this.store.transaction(() => {
      const newest = this.store.events.lastId();
      const rows = this.store.events.list(
        { groupIds: null, userId: 0 },
        { types: null, after: from, before: newest + 1, desc: false, limit },
      );
      for (const e of rows) {
        let body: string | undefined;
        for (const { w, rights } of targets) {
          if (e.id <= w.afterEvent || !w.events.some((p) => typeMatches(p, e.type))) continue;
          if (!creatorSees(rights, e)) continue;
          body ??= deliveryBody(e.type, e.time, eventView(e));
          this.store.webhooks.queue({
            msgId: newMessageId(),
            webhookId: w.id,
            eventId: e.id,
            eventType: e.type,
            groupId: e.groupId,
            userId: e.userId,
            body,
            createdAt: now,
          });
        }
      }
      // Fewer than asked: every event up to `newest` has been looked at.
      const to = rows.length < limit ? newest : (rows[rows.length - 1]?.id ?? newest);
      this.store.setMeta(DISPATCH_CURSOR, String(to));
      return rows.length;
    });
    this.slice.took(looked, since(started));
    if (looked > 0) this.onQueued();
    return true;
  }

  /** Deletes a slice of deliveries finished past the retention; looks once a minute while there are none. */
  private prune(): boolean {
    const now = this.clock.now().getTime();
    if (now < this.nextPrune) return false;
    const before = new Date(now - EVENT_RETENTION_DAYS * 86_400_000).toISOString();
    if (
      this.store.webhooks.hasFinishedBefore(before) &&
      this.store.transaction(() => this.store.webhooks.prune(before, 2000)) > 0
    )
      return true;
    this.nextPrune = now + 60_000;
    return false;
  }
}
