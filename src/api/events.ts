import { Type, type Static } from '@sinclair/typebox';
import { EVENT_RETENTION_DAYS } from '../domain/events.js';
import { Timestamp } from './common.js';

/** What an event is about: its kind and its id (a number in E.164, an operation id, an account id…). */
export const EventSubjectType = Type.Union(
  ['operation', 'number', 'account', 'appeal', 'detail_request', 'report_job', 'user', 'webhook'].map((s) =>
    Type.Literal(s),
  ),
);

/** One event: something that happened, at the backend's clock, in the catalog's words. */
export const Event = Type.Object({
  id: Type.Integer({
    description: 'Increasing: a later event has a larger id. The cursor of `after` and the SSE event id',
  }),
  time: Timestamp,
  type: Type.String({ description: 'A type of the catalog (GET /v1/events/types)' }),
  subjectType: EventSubjectType,
  subject: Type.String({ description: 'The id of what the event is about: a number, an operation id, …' }),
  groupId: Type.Union([Type.String(), Type.Null()], {
    description: "The number's group when the event happened (what scopes it); null for company events",
  }),
  data: Type.Record(Type.String(), Type.Unknown(), { description: "The type's own fields" }),
});
export type Event = Static<typeof Event>;

const TypeFilter = Type.String({
  maxLength: 500,
  description: 'Types, comma-separated; `prefix.*` matches a family (limit.*)',
});

/** Filters of GET /v1/events. */
export const EventQuery = Type.Object({
  type: Type.Optional(TypeFilter),
  number: Type.Optional(Type.String({ maxLength: 40, description: 'Events about this number' })),
  subject: Type.Optional(Type.String({ maxLength: 100, description: 'Events about this subject id' })),
  since: Type.Optional(Timestamp),
  until: Type.Optional(Timestamp),
  after: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Only events after this id (what a feed saw last)' }),
  ),
  order: Type.Optional(
    Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
      description: 'asc (default): oldest first, as a feed reads; desc: newest first',
    }),
  ),
});
export type EventQuery = Static<typeof EventQuery>;

/** Filters of GET /v1/events/stream (resume with the Last-Event-ID header or `after`). */
export const EventStreamQuery = Type.Object({
  type: Type.Optional(TypeFilter),
  number: Type.Optional(Type.String({ maxLength: 40 })),
  after: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'Start after this event id (the Last-Event-ID header wins when both are sent)',
    }),
  ),
});
export type EventStreamQuery = Static<typeof EventStreamQuery>;

/** One type of the catalog. */
export const EventTypeInfo = Type.Object({
  type: Type.String(),
  subjectType: EventSubjectType,
  description: Type.String(),
});
export type EventTypeInfo = Static<typeof EventTypeInfo>;

export const EventTypeList = Type.Object({
  data: Type.Array(EventTypeInfo),
  retentionDays: Type.Integer({ description: `How long events are kept (${EVENT_RETENTION_DAYS} days)` }),
});
export type EventTypeList = Static<typeof EventTypeList>;
