import { Type, type Static } from '@sinclair/typebox';
import { MAX_WEBHOOK_URL } from '../domain/webhook-address.js';
import { SingleLine, Timestamp } from './common.js';

/**
 * The retry schedule of a delivery: the wait before each attempt after the first (seconds, by the
 * backend's clock). Eight attempts over about 27.6 hours, then the delivery is `failed`. The same
 * schedule as the Standard Webhooks reference implementation (Svix).
 */
export const WEBHOOK_RETRY_SECONDS = [5, 300, 1800, 7200, 18_000, 36_000, 36_000] as const;
/** How long one attempt may take, from the request to its answer's head. */
export const WEBHOOK_TIMEOUT_SECONDS = 10;
/** A user holds at most this many subscriptions. */
export const MAX_WEBHOOKS_PER_USER = 20;

const WebhookState = Type.Union([Type.Literal('active'), Type.Literal('paused')], {
  description: 'active: deliveries go out; paused: nothing is delivered (see pausedReason) until resumed',
});

/** A subscription as every answer but the create one shows it: never with its secret. */
export const Webhook = Type.Object({
  id: Type.String(),
  url: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  events: Type.Array(Type.String(), {
    description: 'Event types and `prefix.*` families it receives (GET /v1/events/types)',
  }),
  state: WebhookState,
  pausedReason: Type.Union([Type.String(), Type.Null()], {
    description:
      "Why it paused: the creator's account was disabled, lost webhooks:admin, or the API token it was made with was revoked",
  }),
  pausedAt: Type.Union([Timestamp, Type.Null()]),
  createdBy: Type.String({ description: 'The e-mail of its creator, whose current rights it delivers on' }),
  createdAt: Timestamp,
  pending: Type.Integer({ description: 'Deliveries waiting to be sent (or to be retried)' }),
  failed: Type.Integer({ description: 'Deliveries that failed every attempt' }),
  lastDeliveryAt: Type.Union([Timestamp, Type.Null()], { description: 'The last successful delivery' }),
});
export type Webhook = Static<typeof Webhook>;

/** POST /v1/webhooks. */
export const WebhookCreateBody = Type.Object({
  url: Type.String({
    minLength: 1,
    maxLength: MAX_WEBHOOK_URL,
    description:
      'https (http only to a loopback host); no user or password. Refused when its host resolves to a private, ' +
      'link-local, unspecified, multicast or reserved address (unless the backend allows private webhooks)',
  }),
  events: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
    minItems: 1,
    maxItems: 50,
    description: 'Event types or families (`limit.*`; `*` for all)',
  }),
  description: Type.Optional(SingleLine({ maxLength: 200 })),
  secret: Type.Optional(
    Type.String({
      maxLength: 200,
      description: '`whsec_` + base64 of 24 to 64 bytes; a random one (32 bytes) when not given',
    }),
  ),
});
export type WebhookCreateBody = Static<typeof WebhookCreateBody>;

/** The create answer: the subscription and its signing secret, shown this once. */
export const CreatedWebhook = Type.Object({
  secret: Type.String({ description: 'The signing secret; no other answer shows it' }),
  webhook: Webhook,
});
export type CreatedWebhook = Static<typeof CreatedWebhook>;

/** One attempt to send a delivery. */
export const WebhookAttempt = Type.Object({
  attempt: Type.Integer({ description: '1 for the first' }),
  time: Timestamp,
  status: Type.Union([Type.Integer(), Type.Null()], {
    description: "The receiver's HTTP status; null when none came",
  }),
  latencyMs: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()], {
    description: 'What went wrong (a status other than 2xx, a timeout, a refused address…); null on success',
  }),
});
export type WebhookAttempt = Static<typeof WebhookAttempt>;

/** One event queued for one subscription, with its attempts. */
export const WebhookDelivery = Type.Object({
  id: Type.String({
    description: 'The `webhook-id` header: the same on every attempt (receivers dedupe by it)',
  }),
  webhookId: Type.String(),
  eventId: Type.Integer(),
  eventType: Type.String(),
  state: Type.Union(
    ['pending', 'delivered', 'failed', 'skipped'].map((s) => Type.Literal(s)),
    {
      description:
        "pending: to be sent (nextAttemptAt); delivered: a 2xx came; failed: every attempt failed; skipped: the event was outside the creator's current scope",
    },
  ),
  createdAt: Timestamp,
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  attempts: Type.Array(WebhookAttempt, { description: 'Oldest first' }),
});
export type WebhookDelivery = Static<typeof WebhookDelivery>;

export const WebhookDeliveryQuery = Type.Object({
  state: Type.Optional(Type.Union(['pending', 'delivered', 'failed', 'skipped'].map((s) => Type.Literal(s)))),
});
export type WebhookDeliveryQuery = Static<typeof WebhookDeliveryQuery>;

/** The answer of a test delivery: what the receiver said. */
export const WebhookTestResult = Type.Object({
  ok: Type.Boolean({ description: 'The receiver answered 2xx' }),
  status: Type.Union([Type.Integer(), Type.Null()]),
  latencyMs: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
});
export type WebhookTestResult = Static<typeof WebhookTestResult>;
