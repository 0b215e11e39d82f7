import { Type, type Static } from '@sinclair/typebox';
import { CDR_FIELDS } from '../domain/cdr.js';
import { LimitAlert } from './alerts.js';
import { Amount, Kopecks, Timestamp } from './common.js';

/** A calendar day, `YYYY-MM-DD` (UTC). */
export const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (UTC)' });

export const BalanceQuery = Type.Object({ account: Type.Optional(Type.String({ maxLength: 50 })) });

const ChargesSoFar = Type.Object({
  tariffFees: Kopecks,
  serviceFees: Kopecks,
  usage: Kopecks,
  oneTime: Kopecks,
  total: Kopecks,
});

export const AccountBalance = Type.Object({
  accountId: Type.String(),
  name: Type.String(),
  balance: Kopecks,
  creditLimit: Kopecks,
  available: Type.Integer({ description: 'Balance plus credit limit (kopecks)' }),
  billingDay: Type.Integer(),
  periodStart: Day,
  periodEnd: Type.String({ description: 'The last day of the period (YYYY-MM-DD)' }),
  charges: ChargesSoFar,
  forecast: Type.Integer({
    description:
      'Charges expected by the end of the period: so far plus the daily usage so far for the days left',
  }),
  autopay: Type.Union([Type.Object({ below: Kopecks, amount: Kopecks }), Type.Null()]),
});
export type AccountBalance = Static<typeof AccountBalance>;

export const Balance = Type.Object({
  asOf: Timestamp,
  closedThrough: Type.String({ description: 'Usage is charged up to the end of this day' }),
  accounts: Type.Array(AccountBalance),
  total: Type.Object({ balance: Kopecks, charges: Kopecks, forecast: Kopecks }),
});
export type Balance = Static<typeof Balance>;

export const LimitQuery = Type.Object({
  group: Type.Optional(Type.String({ maxLength: 200 })),
  number: Type.Optional(Type.String({ maxLength: 40 })),
});

export const LimitView = Type.Object({
  msisdn: Type.String(),
  monthly: Kopecks,
  action: Type.Union([Type.Literal('notify'), Type.Literal('block')]),
  setAt: Timestamp,
  setBy: Type.String(),
  periodStart: Day,
  spent: Type.Integer({ description: 'Charges of the line this billing period (kopecks)' }),
  breached: Type.Boolean(),
  alerts: Type.Array(LimitAlert, {
    description:
      "The thresholds on the line's spending: its alert rules on spend (own or its groups') and the limit's default 50/80/100%",
  }),
});
export type LimitView = Static<typeof LimitView>;

export const GroupLimitBody = Type.Object({
  group: Type.String({ minLength: 1, maxLength: 200, description: 'Group id or name' }),
  monthly: Amount('Per billing period'),
  action: Type.Union([Type.Literal('notify'), Type.Literal('block')], { default: 'notify' }),
});
export type GroupLimitBody = Static<typeof GroupLimitBody>;

export const GroupLimitView = Type.Object({
  groupId: Type.String(),
  groupName: Type.String(),
  monthly: Kopecks,
  action: Type.Union([Type.Literal('notify'), Type.Literal('block')]),
  setAt: Timestamp,
  setBy: Type.String(),
  alerts: Type.Array(LimitAlert, {
    description: "The group's alert rules on spend (own or its parents') and the limit's default 50/80/100%",
  }),
});
export type GroupLimitView = Static<typeof GroupLimitView>;

export const GroupParam = Type.Object({ group: Type.String({ minLength: 1, maxLength: 200 }) });

/** Which lines a detail export covers: numbers, a group subtree, or everything in scope. */
const DetailTargets = {
  numbers: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 100_000 })),
  group: Type.Optional(Type.String({ maxLength: 200 })),
  all: Type.Optional(Type.Boolean()),
  from: Type.Optional(
    Type.String({
      pattern: '^\\d{4}-\\d{2}-\\d{2}$',
      description: 'First day (default: the 1st of this month)',
    }),
  ),
  to: Type.Optional(
    Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Last day included (default: today)' }),
  ),
};

const RawCsv = Type.Boolean({
  description:
    "csv: free text (peerName, location) exactly as stored; by default a cell starting with = + - @ tab or CR gets a leading ' so a spreadsheet shows it instead of running it",
});

/** How a stream of records is written. */
export const StreamFormat = {
  format: Type.Optional(
    Type.Union([Type.Literal('jsonl'), Type.Literal('csv'), Type.Literal('tsv')], { default: 'jsonl' }),
  ),
  excel: Type.Optional(
    Type.Boolean({ description: "csv for Russian Excel: UTF-8 BOM, ';', decimal comma, CRLF" }),
  ),
  rawCsv: Type.Optional(RawCsv),
  fields: Type.Optional(
    Type.Array(Type.Union(CDR_FIELDS.map((f) => Type.Literal(f))), { minItems: 1, uniqueItems: true }),
  ),
};

export const CdrQueryBody = Type.Object({ ...DetailTargets, ...StreamFormat });
export type CdrQueryBody = Static<typeof CdrQueryBody>;

export const DetailRequestBody = Type.Object(DetailTargets);
export type DetailRequestBody = Static<typeof DetailRequestBody>;

export const DetailFileQuery = Type.Object({
  format: StreamFormat.format,
  excel: StreamFormat.excel,
  rawCsv: StreamFormat.rawCsv,
  fields: Type.Optional(Type.String({ maxLength: 200, description: 'Comma-separated field names' })),
});

export const DetailRequest = Type.Object({
  id: Type.String(),
  state: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done')]),
  from: Day,
  to: Day,
  total: Type.Integer({ description: 'Numbers covered' }),
  done: Type.Integer({ description: 'Numbers prepared so far' }),
  records: Type.Integer(),
  cost: Kopecks,
  createdBy: Type.String(),
  createdAt: Timestamp,
  finishedAt: Type.Union([Timestamp, Type.Null()]),
  replayed: Type.Boolean(),
});
export type DetailRequest = Static<typeof DetailRequest>;

/** The record a JSONL stream carries per line. */
export const CdrRecordSchema = Type.Object({
  number: Type.String(),
  time: Timestamp,
  kind: Type.Union([
    Type.Literal('call'),
    Type.Literal('sms'),
    Type.Literal('data'),
    Type.Literal('roaming'),
  ]),
  direction: Type.Union([Type.Literal('out'), Type.Literal('in'), Type.Null()]),
  peer: Type.String(),
  peerName: Type.Union([Type.String(), Type.Null()]),
  location: Type.String(),
  seconds: Type.Integer(),
  bytes: Type.Integer(),
  cost: Kopecks,
});

import { REPORT_TYPES } from '../domain/billing.js';

export { REPORT_TYPES, type ReportType } from '../domain/billing.js';

export const ReportParams = Type.Object({
  type: Type.Union(REPORT_TYPES.map((t) => Type.Literal(t))),
});

export const ReportQuery = Type.Object({
  job: Type.Optional(
    Type.Boolean({
      description:
        'Always answer with a background job (202), even when the report could be answered at once',
    }),
  ),
  from: Type.Optional(Day),
  to: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Last day included' })),
  group: Type.Optional(Type.String({ maxLength: 200 })),
  number: Type.Optional(Type.String({ maxLength: 40 })),
  account: Type.Optional(Type.String({ maxLength: 50 })),
  by: Type.Optional(
    Type.Union([Type.Literal('number'), Type.Literal('group'), Type.Literal('account')], {
      description: 'expenses: what a row is',
    }),
  ),
  actor: Type.Optional(Type.String({ maxLength: 200, description: 'activity: who' })),
});
export type ReportQuery = Static<typeof ReportQuery> & { numbers?: string[] };

/** The same filters with a list of numbers (from a CSV file), too long for a query string. */
export const ReportBody = Type.Composite([
  ReportQuery,
  Type.Object({ numbers: Type.Array(Type.String({ maxLength: 40 }), { minItems: 1, maxItems: 100_000 }) }),
]);

export const ReportColumn = Type.Object({
  key: Type.String(),
  kind: Type.Union([
    Type.Literal('text'),
    Type.Literal('number'),
    Type.Literal('money'),
    Type.Literal('time'),
    Type.Literal('list'),
  ]),
  freeText: Type.Optional(
    Type.Literal(true, {
      description:
        "Text people wrote (a name, a reason), not a typed value: a CSV export puts a leading ' before such a cell starting with = + - @ tab or CR",
    }),
  ),
});

export const Report = Type.Object({
  type: Type.String(),
  from: Day,
  to: Day,
  columns: Type.Array(ReportColumn),
  rows: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  totals: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});
export type Report = Static<typeof Report>;

/** What a report is, without its rows: the first line of a streamed report. */
export const ReportHead = Type.Pick(Report, ['type', 'from', 'to', 'columns']);
export type ReportHead = Static<typeof ReportHead>;

/**
 * One line of a streamed report (JSON lines): `{"report": head}` first, then `{"row": …}` per row in the
 * report's order, then `{"end": {rows, totals}}`. A stream without the end line was cut off.
 */
export const ReportLine = Type.Union([
  Type.Object({ report: ReportHead }),
  Type.Object({ row: Type.Record(Type.String(), Type.Unknown()) }),
  Type.Object({
    end: Type.Object({
      rows: Type.Integer({ minimum: 0, description: 'The rows sent, to check against' }),
      totals: Report.properties.totals,
    }),
  }),
]);
export type ReportLine = Static<typeof ReportLine>;

/** How long a finished report job's result is kept, in days (like peers keep bulk exports). */
export const REPORT_RESULT_DAYS = 7;

/**
 * A report made in the background: a big scope (more numbers than a request answers at once), or a
 * period whose history is still being filled. It runs on its author's rights when it runs; its result
 * is kept REPORT_RESULT_DAYS days after it finished.
 */
export const ReportJob = Type.Object({
  id: Type.String(),
  type: Type.String(),
  state: Type.Union([
    Type.Literal('queued'),
    Type.Literal('running'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
  ]),
  phase: Type.Union([Type.Literal('history'), Type.Literal('numbers'), Type.Null()], {
    description:
      'What it is waiting for: history of the period being filled (days), or numbers being added up',
  }),
  done: Type.Integer({ description: 'Progress within the phase: days or numbers done' }),
  total: Type.Integer({ description: 'Days or numbers the phase needs' }),
  query: Type.Record(Type.String(), Type.Unknown(), { description: 'The filters it was asked with' }),
  rows: Type.Union([Type.Integer(), Type.Null()], { description: 'Rows in the result, once succeeded' }),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  createdBy: Type.String(),
  createdAt: Timestamp,
  startedAt: Type.Union([Timestamp, Type.Null()]),
  finishedAt: Type.Union([Timestamp, Type.Null()]),
  expiresAt: Type.Union([Timestamp, Type.Null()], { description: 'When the result is deleted' }),
});
export type ReportJob = Static<typeof ReportJob>;

export const ReportJobListQuery = Type.Object({
  state: Type.Optional(
    Type.Union([
      Type.Literal('queued'),
      Type.Literal('running'),
      Type.Literal('succeeded'),
      Type.Literal('failed'),
    ]),
  ),
});

export const ReportInfo = Type.Object({
  type: Type.String(),
  description: Type.String(),
  filters: Type.Array(Type.String()),
  columns: Type.Array(Type.String()),
});
export type ReportInfo = Static<typeof ReportInfo>;
