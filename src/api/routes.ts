import { Type, type Static, type TComposite, type TObject, type TSchema } from '@sinclair/typebox';
import type { RouteAccess } from '../domain/permissions.js';
import { endpoints, type Endpoint, type RouteId } from './endpoints.js';
import {
  Balance,
  BalanceQuery,
  CdrQueryBody,
  CdrRecordSchema,
  DetailFileQuery,
  DetailRequest,
  DetailRequestBody,
  GroupLimitBody,
  GroupLimitView,
  GroupParam,
  LimitQuery,
  LimitView,
  Report,
  ReportLine,
  ReportJob,
  ReportJobListQuery,
  ReportInfo,
  ReportParams,
  ReportQuery,
  ReportBody,
} from './billing.js';
import {
  AlertListQuery,
  AlertRemoveBody,
  AlertRemoveResult,
  AlertRule,
  AlertSetBody,
  AlertSetQuery,
  AlertSetResult,
} from './alerts.js';
import { AccountParam, Autopay, AutopayBody, Payment, PaymentBody, PaymentListQuery } from './money.js';
import {
  MAX_ATTACHMENT_BYTES,
  UPLOAD_TTL_HOURS,
  Upload,
  UploadQuery,
  Appeal,
  AppealCreateBody,
  AppealListQuery,
  AppealReplyBody,
  AppealSummary,
  AttachmentDownload,
  AttachmentParams,
} from './appeals.js';
import { Ok, Page, PageQuery } from './common.js';
import { Event, EventQuery, EventStreamQuery, EventTypeList } from './events.js';
import {
  CreatedWebhook,
  Webhook,
  WebhookCreateBody,
  WebhookDelivery,
  WebhookDeliveryQuery,
  WebhookTestResult,
} from './webhooks.js';
import { BackendStatus } from './status.js';
import {
  ItemListQuery,
  Operation,
  OperationCreateBody,
  OperationCreateQuery,
  OperationItem,
  OperationListQuery,
  OperationShowQuery,
  Plan,
  PlanLine,
} from './operations.js';
import {
  ApiToken,
  Invitation,
  PasswordChangeBody,
  PasswordChanged,
  ResetBody,
  UserCreateBody,
  UserUpdateBody,
  GrantBody,
  NameParam,
  RoleCreateBody,
  RoleUpdateBody,
  AuditEntry,
  AuditQuery,
  CreatedToken,
  IdParam,
  LoginBody,
  LoginRecord,
  LoginResult,
  Me,
  Notification,
  PermissionInfo,
  Role,
  User,
  TokenCreateBody,
} from './auth.js';
import {
  Account,
  Consent,
  Group,
  GroupCreateBody,
  GroupDeleteQuery,
  GroupUpdateBody,
  Line,
  LineDetail,
  Location,
  MsisdnParam,
  NumberFilter,
  Service,
  ServiceFilter,
  Tariff,
} from './lines.js';

/** One route of the contract: the backend registers it, the client calls it, OpenAPI describes it. */
export interface RouteDef extends Endpoint {
  access: RouteAccess;
  summary: string;
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
  response: TSchema;
  status?: number;
  /** Other success responses (e.g. 200 with a plan for a dry run of a 202 route). */
  otherResponses?: Record<number, TSchema>;
  /** Error statuses this route gives beyond the ones its shape implies (see errorStatuses in openapi.ts). */
  moreErrors?: number[];
  /**
   * Largest accepted body in bytes; without it JSON_BODY_LIMIT for a route with a body, NO_BODY_LIMIT for
   * one without. A larger Content-Length is refused (413) before anything is read.
   */
  bodyLimit?: number;
  /** The body is a file's raw bytes (application/octet-stream), streamed by the handler, not JSON. */
  rawBody?: true;
  /** Takes the optional `Idempotency-Key` header (see IdempotencyKey). */
  idempotent?: true;
  /** Only in a backend started with --test-mode (never rate limited nor given faults). */
  testOnly?: boolean;
  /** Not rate limited: the contract itself, which any client may fetch at any pace. */
  unlimited?: true;
  /** Never given injected faults (`vm backend start --faults`): what tools check the backend with. */
  noFaults?: true;
  /** The answer is a stream of records (JSON lines, CSV or TSV); `response` describes one record. */
  stream?: boolean;
  /** The stream's formats when not all three (a plan is JSON lines only; the event stream is SSE). */
  streamFormats?: readonly StreamFormat[];
  /** Takes the `Last-Event-ID` header of Server-Sent Events (resuming a stream). */
  lastEventId?: true;
}

/**
 * The formats a streamed answer can take (Accept / a format field): JSON lines, CSV, TSV, or
 * Server-Sent Events (text/event-stream, the record as each event's data).
 */
export type StreamFormat = 'jsonl' | 'csv' | 'tsv' | 'sse';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The body limit of a JSON route unless it says otherwise: a form of fields, never near this. */
export const JSON_BODY_LIMIT = 1 * MiB;
/** A route without a body schema still gets a small limit: `{}` and some slack, nothing to buffer. */
export const NO_BODY_LIMIT = 1 * KiB;
/** Login is public: the body of anyone on the network, so as small as a login form (three 200-char fields). */
const LOGIN_BODY_LIMIT = 16 * KiB;
/** Up to 100,000 numbers (E.164, ≤ 16 characters, 19 bytes quoted with a comma ≈ 1.9 MB) and filters. */
const NUMBER_LIST_BODY_LIMIT = 2 * MiB;
/**
 * A bulk change: up to MAX_TARGETS_PER_OPERATION (200,000) targets of ~27 bytes (`{"msisdn":"+79161234567"}`)
 * plus per-row parameters from a CSV (tariff, service, monthly…): 32 MiB allows ~160 bytes a row.
 */
const OPERATION_BODY_LIMIT = 32 * MiB;
/**
 * An appeal carries its attachments base64 in the JSON (4/3 of 10 MiB each, at most 5), plus 1 MiB for
 * the text (20,000 characters, up to 6 bytes each when escaped) and the other fields: about 67.7 MiB.
 */

/** A list route's query: paging, and the route's filters. Typed, so handlers and clients see the keys. */
function ListQuery(): typeof PageQuery;
function ListQuery<T extends TObject>(filter: T): TComposite<[typeof PageQuery, T]>;
function ListQuery(filter?: TObject): TSchema {
  return filter ? Type.Composite([PageQuery, filter]) : PageQuery;
}

/** Every route of the /v1 API. The key is the route's stable id (also the audit action). */
export const routes = {
  'auth.login': {
    ...endpoints['auth.login'],
    summary: 'Log in with e-mail or phone and password; returns a session token',
    body: LoginBody,
    response: LoginResult,
    bodyLimit: LOGIN_BODY_LIMIT,
  },
  'auth.logout': {
    ...endpoints['auth.logout'],
    summary: 'End the current session',
    response: Ok,
  },
  'me.show': {
    ...endpoints['me.show'],
    summary: 'Who is calling',
    response: Me,
  },
  'sessions.list': {
    ...endpoints['sessions.list'],
    summary: 'Login history of the caller (successful and failed)',
    query: ListQuery(),
    response: Page(LoginRecord),
  },
  'tokens.list': {
    ...endpoints['tokens.list'],
    summary: "The caller's API tokens",
    query: ListQuery(),
    response: Page(ApiToken),
  },
  'tokens.create': {
    ...endpoints['tokens.create'],
    summary: 'Create a long-lived API token (shown once); its scope cannot exceed your rights',
    body: TokenCreateBody,
    response: CreatedToken,
    status: 201,
  },
  'tokens.revoke': {
    ...endpoints['tokens.revoke'],
    summary: 'Revoke an API token by id or name',
    params: IdParam,
    response: ApiToken,
  },
  'notifications.list': {
    ...endpoints['notifications.list'],
    summary: 'The SMS and e-mail outbox addressed to the caller',
    query: ListQuery(),
    response: Page(Notification),
  },
  'accounts.list': {
    ...endpoints['accounts.list'],
    summary: 'Accounts (contracts) with numbers in your scope',
    query: ListQuery(),
    response: Page(Account),
  },
  'numbers.list': {
    ...endpoints['numbers.list'],
    summary: 'Numbers in your scope, filtered',
    query: ListQuery(NumberFilter),
    response: Page(Line),
  },
  'numbers.show': {
    ...endpoints['numbers.show'],
    summary: 'One number in full',
    params: MsisdnParam,
    response: LineDetail,
  },
  'tariffs.list': {
    ...endpoints['tariffs.list'],
    summary: 'The tariff catalog',
    query: ListQuery(),
    response: Page(Tariff),
  },
  'services.list': {
    ...endpoints['services.list'],
    summary: 'The service catalog',
    query: ListQuery(ServiceFilter),
    response: Page(Service),
  },
  'groups.list': {
    ...endpoints['groups.list'],
    summary: 'Groups in your scope, parents before children',
    query: ListQuery(),
    response: Page(Group),
  },
  'groups.create': {
    ...endpoints['groups.create'],
    summary: 'Create a group under a parent in your groups:write scope (top level needs it company-wide)',
    body: GroupCreateBody,
    response: Group,
    status: 201,
  },
  'groups.update': {
    ...endpoints['groups.update'],
    summary: 'Rename a group or move it under another parent (never into its own subtree)',
    params: IdParam,
    body: GroupUpdateBody,
    response: Group,
  },
  'groups.delete': {
    ...endpoints['groups.delete'],
    summary:
      'Delete a group; one holding numbers or subgroups needs ?moveTo=GROUP; grants over it must be revoked first',
    params: IdParam,
    query: GroupDeleteQuery,
    response: Ok,
  },
  'operations.create': {
    idempotent: true,
    ...endpoints['operations.create'],
    summary:
      'Submit a change (Idempotency-Key header): 202 with the operation; ?dryRun=true answers 200 with the plan and stores nothing. ' +
      'Needs the permission of the type (tariff:write, services:write, block:write, sim:write, groups:write) over each target',
    query: OperationCreateQuery,
    body: OperationCreateBody,
    response: Operation,
    status: 202,
    otherResponses: { 200: Plan },
    bodyLimit: OPERATION_BODY_LIMIT,
  },
  'operations.plan': {
    ...endpoints['operations.plan'],
    summary:
      'The plan of a change, streamed: what each target would become and cost, as JSON lines in target order, ' +
      'then a last line {"summary": …} with the totals (a stream without it was cut off). Nothing is stored. ' +
      'Takes the body of POST /v1/operations and checks it the same way before the first line; ' +
      'for big changes this is the dry run to use: neither side holds the whole plan',
    body: OperationCreateBody,
    response: PlanLine,
    stream: true,
    streamFormats: ['jsonl'],
    bodyLimit: OPERATION_BODY_LIMIT,
  },
  'operations.list': {
    ...endpoints['operations.list'],
    summary: 'Your operations, newest first (all of them with audit:read over the whole company)',
    query: ListQuery(OperationListQuery),
    response: Page(Operation),
  },
  'operations.show': {
    ...endpoints['operations.show'],
    summary:
      'One operation with its progress counters; ?wait=N (seconds, ≤ 30) answers as soon as it finishes or makes progress, or after N seconds',
    params: IdParam,
    query: OperationShowQuery,
    response: Operation,
  },
  'operations.items': {
    ...endpoints['operations.items'],
    summary: 'The per-number items of an operation: state, error code, before and after',
    params: IdParam,
    query: ListQuery(ItemListQuery),
    response: Page(OperationItem),
  },
  'operations.cancel': {
    ...endpoints['operations.cancel'],
    summary: 'Cancel a queued or scheduled operation, or the rest of a running one',
    params: IdParam,
    response: Operation,
  },
  'operations.rollback': {
    idempotent: true,
    ...endpoints['operations.rollback'],
    summary: 'A new operation that inverts the succeeded items of a finished tariff, service or block change',
    params: IdParam,
    response: Operation,
    status: 202,
  },
  'operations.rollbackPlan': {
    ...endpoints['operations.rollbackPlan'],
    summary:
      'The plan of a rollback, streamed as POST /v1/operations/plan streams one: per number what it would become ' +
      'and cost (a rollback is a change like any other: its one-time fees are charged again), then the summary ' +
      'line with its type, totals and fees. Nothing is stored',
    params: IdParam,
    response: PlanLine,
    stream: true,
    streamFormats: ['jsonl'],
  },
  'audit.list': {
    ...endpoints['audit.list'],
    summary:
      'The audit log, newest first: logins, changes, denials. Append-only. Over the whole company with a company-wide grant, else entries about numbers in scope',
    query: ListQuery(AuditQuery),
    response: Page(AuditEntry),
  },
  'events.list': {
    ...endpoints['events.list'],
    summary:
      'Events, oldest first (order=desc: newest first): what happened to numbers, operations, accounts and ' +
      "jobs. Within the caller's events:read scope: events about numbers in its groups and about the " +
      "caller's own operations, reports and requests; everything with a company-wide grant. Kept " +
      'for the retention of GET /v1/events/types',
    query: ListQuery(EventQuery),
    response: Page(Event),
  },
  'events.types': {
    ...endpoints['events.types'],
    summary: 'The catalog of event types and how long events are kept',
    response: EventTypeList,
  },
  'events.stream': {
    ...endpoints['events.stream'],
    summary:
      'The events as they happen, as Server-Sent Events (id: the event id, event: its type, data: the ' +
      'Event as JSON), scoped like GET /v1/events. Resumes after the Last-Event-ID header (or `after`); ' +
      'without either it starts with the next event. A comment every 15 s keeps it open; when the ' +
      "caller's session or token ends, an `end` event says why and the stream closes. A user holds at most " +
      '5 streams at once (429 too_many_streams)',
    query: EventStreamQuery,
    response: Event,
    stream: true,
    streamFormats: ['sse'],
    lastEventId: true,
  },
  'webhooks.list': {
    ...endpoints['webhooks.list'],
    summary:
      'Webhook subscriptions: yours, or every one with webhooks:admin over the whole company. Never with their secrets',
    query: ListQuery(),
    response: Page(Webhook),
  },
  'webhooks.create': {
    ...endpoints['webhooks.create'],
    summary:
      'Subscribe a URL to event types: each event its creator may see (events:read scope, own work) is POSTed as ' +
      '{type, timestamp, data: Event}, signed as Standard Webhooks say (webhook-id, webhook-timestamp, ' +
      'webhook-signature). The answer shows the signing secret, once',
    body: WebhookCreateBody,
    response: CreatedWebhook,
    status: 201,
  },
  'webhooks.show': {
    ...endpoints['webhooks.show'],
    summary: 'One subscription (without its secret)',
    params: IdParam,
    response: Webhook,
  },
  'webhooks.remove': {
    ...endpoints['webhooks.remove'],
    summary: 'Delete a subscription with its deliveries; nothing more is sent to it',
    params: IdParam,
    response: Ok,
  },
  'webhooks.resume': {
    ...endpoints['webhooks.resume'],
    summary:
      'Resume a paused subscription once its creator may again (422 while not): deliveries queued before the pause go out; events of the pause are not sent',
    params: IdParam,
    response: Webhook,
  },
  'webhooks.test': {
    ...endpoints['webhooks.test'],
    summary:
      'Send a signed test delivery (type webhook.test) now and answer what the receiver said; it is not queued nor retried',
    params: IdParam,
    response: WebhookTestResult,
  },
  'webhooks.deliveries': {
    ...endpoints['webhooks.deliveries'],
    summary: 'The deliveries of a subscription, newest first, each with its attempts',
    params: IdParam,
    query: ListQuery(WebhookDeliveryQuery),
    response: Page(WebhookDelivery),
  },
  'webhooks.redeliver': {
    ...endpoints['webhooks.redeliver'],
    summary:
      'Queue a delivered or failed delivery again, with the same webhook-id (409 while it is pending); it goes before the later ones of its subscription',
    params: IdParam,
    response: WebhookDelivery,
  },
  'users.list': {
    ...endpoints['users.list'],
    summary: 'Users of the company with their grants',
    query: ListQuery(),
    response: Page(User),
  },
  'users.show': {
    ...endpoints['users.show'],
    summary: 'One user by id or e-mail',
    params: IdParam,
    response: User,
  },
  'users.create': {
    ...endpoints['users.create'],
    summary:
      'Create a user; a one-time password goes to the outbox (e-mail, and SMS with a phone) and must be changed at first login',
    body: UserCreateBody,
    response: Invitation,
    status: 201,
  },
  'users.update': {
    ...endpoints['users.update'],
    summary: "Change a user's name, e-mail or phone",
    params: IdParam,
    body: UserUpdateBody,
    response: User,
  },
  'users.resetPassword': {
    ...endpoints['users.resetPassword'],
    summary: 'A new one-time password to the outbox; sessions end; it must be changed at the next login',
    params: IdParam,
    body: ResetBody,
    response: Invitation,
  },
  'me.password': {
    ...endpoints['me.password'],
    summary:
      'Change your password (the only call a session with a one-time password may make besides me and logout); ' +
      'every other session of yours ends. Sessions only: an API token cannot change the password',
    body: PasswordChangeBody,
    response: PasswordChanged,
  },
  'test.outbox': {
    ...endpoints['test.outbox'],
    summary: 'Every notification of the outbox, newest first (test mode only)',
    query: Type.Object({ recipient: Type.Optional(Type.String()) }),
    response: Type.Object({ data: Type.Array(Notification) }),
    testOnly: true,
  },
  'users.disable': {
    ...endpoints['users.disable'],
    summary:
      'Disable a user: their sessions and API tokens stop working at once. The last company-wide admin cannot be disabled',
    params: IdParam,
    response: User,
  },
  'users.enable': {
    ...endpoints['users.enable'],
    summary: 'Enable a disabled user again (they log in anew; old sessions stay ended)',
    params: IdParam,
    response: User,
  },
  'roles.list': {
    ...endpoints['roles.list'],
    summary: 'Roles: named sets of permissions',
    query: ListQuery(),
    response: Page(Role),
  },
  'users.grant': {
    ...endpoints['users.grant'],
    summary:
      'Grant a role over a group subtree (or the company). You must hold users:admin and every permission of the role over that whole scope',
    params: IdParam,
    body: GrantBody,
    response: User,
  },
  'users.revoke': {
    ...endpoints['users.revoke'],
    summary: 'Take a grant away (within your users:admin scope); the last company-wide admin keeps theirs',
    params: IdParam,
    body: GrantBody,
    response: User,
  },
  'roles.create': {
    ...endpoints['roles.create'],
    summary: 'Create a custom role; it may only hold permissions you hold yourself',
    body: RoleCreateBody,
    response: Role,
    status: 201,
  },
  'roles.update': {
    ...endpoints['roles.update'],
    summary:
      'Change a role; new permissions must be ones you hold. Holders see the change on their next request',
    params: NameParam,
    body: RoleUpdateBody,
    response: Role,
  },
  'roles.delete': {
    ...endpoints['roles.delete'],
    summary: 'Delete a role nobody holds',
    params: NameParam,
    response: Ok,
  },
  'roles.permissions': {
    ...endpoints['roles.permissions'],
    summary: 'The permission catalog with one-line descriptions',
    query: ListQuery(),
    response: Page(PermissionInfo),
  },
  'locate.show': {
    ...endpoints['locate.show'],
    summary:
      "A number's approximate position — only with the employee's consent (else 422 consent_required). Every lookup is audited",
    params: MsisdnParam,
    response: Location,
    moreErrors: [422],
  },
  'consents.show': {
    ...endpoints['consents.show'],
    summary: 'The location consent of a number',
    params: MsisdnParam,
    response: Consent,
  },
  'consents.request': {
    ...endpoints['consents.request'],
    summary: 'Ask the employee by SMS to allow locating their number',
    params: MsisdnParam,
    response: Consent,
  },
  'consents.revoke': {
    ...endpoints['consents.revoke'],
    summary: 'Withdraw a location consent',
    params: MsisdnParam,
    response: Consent,
  },
  'test.consents.grant': {
    ...endpoints['test.consents.grant'],
    summary: 'The employee answers the consent SMS with YES (test mode only)',
    params: MsisdnParam,
    response: Consent,
    testOnly: true,
  },
  'appeals.create': {
    ...endpoints['appeals.create'],
    summary:
      'File a complaint, suggestion or question to the operator, with up to 5 attachments: files sent ' +
      'before with POST /v1/uploads (up to 10 MiB each), or small ones inline (the body stays within 1 MiB)',
    body: AppealCreateBody,
    response: Appeal,
    status: 201,
  },
  'uploads.create': {
    ...endpoints['uploads.create'],
    summary:
      'Send one attachment file as the raw body (application/octet-stream, up to 10 MiB), streamed to disk; ' +
      `attach it to an appeal within ${UPLOAD_TTL_HOURS} hours by its id (then it is deleted unless attached; ` +
      'a user keeps at most 50 not attached yet: 429 too_many_uploads)',
    query: UploadQuery,
    rawBody: true,
    response: Upload,
    status: 201,
    bodyLimit: MAX_ATTACHMENT_BYTES,
    moreErrors: [429],
  },
  'appeals.list': {
    ...endpoints['appeals.list'],
    summary:
      "The company's appeals, newest first; the operator moves them received → in_progress → answered → closed",
    query: ListQuery(AppealListQuery),
    response: Page(AppealSummary),
  },
  'appeals.show': {
    ...endpoints['appeals.show'],
    summary: 'One appeal: the thread, the attachments, the status history',
    params: IdParam,
    response: Appeal,
  },
  'appeals.reply': {
    ...endpoints['appeals.reply'],
    summary: 'Add to the thread (an answered appeal goes back to in_progress)',
    params: IdParam,
    body: AppealReplyBody,
    response: Appeal,
  },
  'appeals.attachment': {
    ...endpoints['appeals.attachment'],
    summary: 'One attachment, base64',
    params: AttachmentParams,
    response: AttachmentDownload,
  },
  'payments.create': {
    idempotent: true,
    ...endpoints['payments.create'],
    summary:
      'Record a top-up of an account, or a transfer from another account of the company (Idempotency-Key)',
    body: PaymentBody,
    response: Payment,
    status: 201,
  },
  'payments.list': {
    ...endpoints['payments.list'],
    summary: 'Payments of the accounts in your scope, newest first',
    query: ListQuery(PaymentListQuery),
    response: Page(Payment),
  },
  'autopay.list': {
    ...endpoints['autopay.list'],
    summary: 'Autopay rules of the accounts in your scope',
    response: Type.Object({ data: Type.Array(Autopay) }),
  },
  'autopay.set': {
    ...endpoints['autopay.set'],
    summary:
      'Top an account up by an amount whenever its balance falls below a threshold (the backend does it)',
    body: AutopayBody,
    response: Autopay,
  },
  'autopay.off': {
    ...endpoints['autopay.off'],
    summary: "Turn an account's autopay off",
    params: AccountParam,
    response: Ok,
  },
  'balance.show': {
    ...endpoints['balance.show'],
    summary:
      'Balance, credit limit and the current billing period of each account in your scope (charges so far, forecast), with a company total',
    query: BalanceQuery,
    response: Balance,
  },
  'limits.list': {
    ...endpoints['limits.list'],
    summary:
      'Spending limits of the numbers in your scope, with what each spent this period (set them with limit.set operations)',
    query: ListQuery(LimitQuery),
    response: Page(LimitView),
  },
  'limits.groups': {
    ...endpoints['limits.groups'],
    summary:
      'Group limits in your scope: every number of the subtree without its own limit has the nearest one',
    response: Type.Object({ data: Type.Array(GroupLimitView) }),
  },
  'limits.groupSet': {
    ...endpoints['limits.groupSet'],
    summary: "Set a group's spending limit per billing period (numbers added later get it too)",
    body: GroupLimitBody,
    response: GroupLimitView,
  },
  'limits.groupRemove': {
    ...endpoints['limits.groupRemove'],
    summary: "Remove a group's spending limit",
    params: GroupParam,
    response: Ok,
  },
  'alerts.list': {
    ...endpoints['alerts.list'],
    summary:
      'Alert rules in your scope: thresholds on spend, data, minutes or SMS per month or day, set on numbers or groups',
    query: ListQuery(AlertListQuery),
    response: Page(AlertRule),
  },
  'alerts.set': {
    idempotent: true,
    ...endpoints['alerts.set'],
    summary:
      'Set one alert rule on numbers or on a group (the whole list checked first: money:write over each); ' +
      'the same metric, period and threshold again replaces it. ?dryRun=true stores nothing',
    query: AlertSetQuery,
    body: AlertSetBody,
    response: AlertSetResult,
    bodyLimit: NUMBER_LIST_BODY_LIMIT,
  },
  'alerts.remove': {
    idempotent: true,
    ...endpoints['alerts.remove'],
    summary:
      'Remove alert rules by id, or the rule of one metric, period and threshold from numbers or a group',
    body: AlertRemoveBody,
    response: AlertRemoveResult,
    bodyLimit: NUMBER_LIST_BODY_LIMIT,
  },
  'cdr.query': {
    ...endpoints['cdr.query'],
    summary:
      'Call detail records of numbers over days, streamed as JSON lines, CSV or TSV (ordered by number, time)',
    body: CdrQueryBody,
    response: CdrRecordSchema,
    stream: true,
    bodyLimit: NUMBER_LIST_BODY_LIMIT,
  },
  'detailRequests.create': {
    idempotent: true,
    ...endpoints['detailRequests.create'],
    summary:
      'Ask for the call details of many numbers: prepared in the background, then downloaded (Idempotency-Key)',
    body: DetailRequestBody,
    response: DetailRequest,
    status: 202,
    bodyLimit: NUMBER_LIST_BODY_LIMIT,
  },
  'detailRequests.list': {
    ...endpoints['detailRequests.list'],
    summary: 'Your detail requests, newest first',
    query: ListQuery(),
    response: Page(DetailRequest),
  },
  'detailRequests.show': {
    ...endpoints['detailRequests.show'],
    summary: 'One detail request and its progress',
    params: IdParam,
    response: DetailRequest,
  },
  'detailRequests.file': {
    ...endpoints['detailRequests.file'],
    summary: 'The records of a finished detail request, streamed as JSON lines, CSV or TSV',
    params: IdParam,
    query: DetailFileQuery,
    response: CdrRecordSchema,
    stream: true,
  },
  'reports.list': {
    ...endpoints['reports.list'],
    summary: 'The report types, what each shows and which filters it takes',
    response: Type.Object({ data: Type.Array(ReportInfo) }),
  },
  'reports.show': {
    ...endpoints['reports.show'],
    summary:
      'One report over a period (default: the current month) for the numbers in your scope: 200 with the report, or 202 with a background job for a big scope or a period whose history is still being filled',
    params: ReportParams,
    query: ReportQuery,
    response: Report,
    otherResponses: { 202: ReportJob },
    moreErrors: [422, 429],
  },
  'reports.run': {
    ...endpoints['reports.run'],
    summary:
      'One report for a list of numbers (e.g. from a CSV), with the same filters in the body: 200 with the report, or 202 with a background job',
    params: ReportParams,
    query: Type.Object({ job: ReportQuery.properties.job }),
    body: ReportBody,
    response: Report,
    otherResponses: { 202: ReportJob },
    moreErrors: [422, 429],
    bodyLimit: NUMBER_LIST_BODY_LIMIT,
  },
  'reportJobs.list': {
    ...endpoints['reportJobs.list'],
    summary: 'Your report jobs, newest first',
    query: ListQuery(ReportJobListQuery),
    response: Page(ReportJob),
  },
  'reportJobs.show': {
    ...endpoints['reportJobs.show'],
    summary: 'One report job and its progress',
    params: IdParam,
    response: ReportJob,
  },
  'reportJobs.result': {
    ...endpoints['reportJobs.result'],
    summary: 'The report a job made (409 while it runs, 422 if it failed, 404 once expired)',
    params: IdParam,
    response: Report,
    moreErrors: [409, 422],
  },
  'reportJobs.lines': {
    ...endpoints['reportJobs.lines'],
    summary:
      'The report a job made, streamed as JSON lines: {"report": head}, a {"row": …} per row, then {"end": {rows, totals}} (a stream without it was cut off); 409 while it runs, 422 if it failed, 404 once expired',
    params: IdParam,
    response: ReportLine,
    moreErrors: [409, 422],
    stream: true,
    streamFormats: ['jsonl'],
  },
  'status.show': {
    ...endpoints['status.show'],
    summary: "The backend's clock, size, history backfill and background jobs",
    response: BackendStatus,
    noFaults: true,
  },
  'openapi.show': {
    ...endpoints['openapi.show'],
    summary: 'This API as an OpenAPI 3.1 document',
    response: Type.Object({}, { additionalProperties: true }),
    unlimited: true,
    noFaults: true,
  },
  'test.clock.show': {
    ...endpoints['test.clock.show'],
    summary: "The backend's clock (test mode only)",
    response: Type.Object({ now: Type.String() }),
    testOnly: true,
  },
  'test.clock.set': {
    ...endpoints['test.clock.set'],
    summary: "Set or advance the backend's manual clock (test mode only)",
    body: Type.Object({
      now: Type.Optional(Type.String({ format: 'date-time' })),
      advanceSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    }),
    response: Type.Object({ now: Type.String() }),
    testOnly: true,
  },
} satisfies Record<RouteId, RouteDef>;

export type { RouteId };

type Def<Id extends RouteId> = (typeof routes)[Id];

/** The validated body of a route (undefined for a route without one). */
export type BodyOf<Id extends RouteId> =
  Def<Id> extends { body: infer B extends TSchema } ? Static<B> : undefined;
/** The validated query of a route. */
export type QueryOf<Id extends RouteId> =
  Def<Id> extends { query: infer Q extends TSchema } ? Static<Q> : Record<string, never>;
/** The path parameters of a route. */
export type ParamsOf<Id extends RouteId> =
  Def<Id> extends { params: infer P extends TSchema } ? Static<P> : Record<string, never>;
/** Every body a route answers with on success (the main status and its other documented ones). */
export type ReplyOf<Id extends RouteId> =
  | Static<Def<Id>['response']>
  | (Def<Id> extends { otherResponses: Record<number, infer O extends TSchema> } ? Static<O> : never);
