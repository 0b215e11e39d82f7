import { Type, type Static } from '@sinclair/typebox';
import { Kopecks, MsisdnString, SingleLine, Timestamp } from './common.js';

export const NumberStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('blocked'),
  Type.Literal('suspended_by_operator'),
  Type.Literal('terminated'),
]);
export type NumberStatus = Static<typeof NumberStatus>;

/** A line (a phone number of the company) as lists show it. */
export const Line = Type.Object({
  msisdn: MsisdnString,
  accountId: Type.String(),
  region: Type.String(),
  groupId: Type.String(),
  groupPath: Type.String(),
  employee: Type.String(),
  tariff: Type.String(),
  services: Type.Array(Type.String()),
  status: NumberStatus,
  blockReason: Type.Union([Type.String(), Type.Null()]),
  iccid: Type.String(),
  monthlyFee: Kopecks,
  activatedAt: Timestamp,
});
export type Line = Static<typeof Line>;

/** One number in full: the line plus its account, tariff and services spelled out. */
export const LineDetail = Type.Composite([
  Line,
  Type.Object({
    accountName: Type.String(),
    accountBalance: Type.Union([Kopecks, Type.Null()], {
      description: "null without money:read over the number's group",
    }),
    tariffName: Type.String(),
    serviceDetails: Type.Array(
      Type.Object({ code: Type.String(), name: Type.String(), monthlyFee: Kopecks }),
    ),
    blockedSince: Type.Union([Timestamp, Type.Null()]),
  }),
]);
export type LineDetail = Static<typeof LineDetail>;

export const NumberFilter = Type.Object({
  account: Type.Optional(Type.String({ maxLength: 50 })),
  region: Type.Optional(Type.String({ maxLength: 10 })),
  group: Type.Optional(
    Type.String({ maxLength: 100, description: 'Group id or name; includes its subgroups' }),
  ),
  tariff: Type.Optional(Type.String({ maxLength: 50 })),
  status: Type.Optional(NumberStatus),
  search: Type.Optional(
    Type.String({ maxLength: 100, description: 'Substring of the number or employee name' }),
  ),
});
export type NumberFilter = Static<typeof NumberFilter>;

export const MsisdnParam = Type.Object({ msisdn: Type.String({ minLength: 1, maxLength: 40 }) });
export type MsisdnParam = Static<typeof MsisdnParam>;

export const Account = Type.Object({
  id: Type.String(),
  name: Type.String(),
  contractNo: Type.String(),
  region: Type.String(),
  balance: Type.Union([Kopecks, Type.Null()], { description: 'null without money:read over the account' }),
  creditLimit: Type.Union([Kopecks, Type.Null()], {
    description: 'null without money:read over the account',
  }),
  billingDay: Type.Integer({ minimum: 1, maximum: 28 }),
  numbers: Type.Integer(),
});
export type Account = Static<typeof Account>;

export const Tariff = Type.Object({
  code: Type.String(),
  name: Type.String(),
  monthlyFee: Kopecks,
  minutes: Type.Integer({ description: '-1 = unlimited' }),
  sms: Type.Integer({ description: '-1 = unlimited' }),
  dataMb: Type.Integer({ description: '-1 = unlimited' }),
  regions: Type.Array(Type.String()),
  roamingIncluded: Type.Boolean({
    description: 'Roaming counts against the allowance instead of being paid apart',
  }),
  description: Type.String(),
});
export type Tariff = Static<typeof Tariff>;

export const Service = Type.Object({
  code: Type.String(),
  name: Type.String(),
  monthlyFee: Kopecks,
  connectFee: Kopecks,
  incompatibleWith: Type.Array(Type.String(), {
    description: 'Service and tariff codes it cannot be combined with',
  }),
  description: Type.String(),
});
export type Service = Static<typeof Service>;

export const ServiceFilter = Type.Object({
  tariff: Type.Optional(
    Type.String({ maxLength: 50, description: 'Only services compatible with this tariff' }),
  ),
});
export type ServiceFilter = Static<typeof ServiceFilter>;

export const Group = Type.Object({
  id: Type.String(),
  name: Type.String(),
  parentId: Type.Union([Type.String(), Type.Null()]),
  path: Type.String({ description: 'Names from the root, joined by /' }),
  numbers: Type.Integer({ description: 'Numbers directly in this group' }),
});
export type Group = Static<typeof Group>;

export const GroupCreateBody = Type.Object({
  name: SingleLine({ minLength: 1, maxLength: 100 }),
  parent: Type.Optional(
    SingleLine({ minLength: 1, maxLength: 100, description: 'Parent group id or name; none = top level' }),
  ),
  id: Type.Optional(
    Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'Default: made from the name' }),
  ),
});
export type GroupCreateBody = Static<typeof GroupCreateBody>;

export const GroupUpdateBody = Type.Object({
  name: Type.Optional(SingleLine({ minLength: 1, maxLength: 100 })),
  parent: Type.Optional(SingleLine({ minLength: 1, maxLength: 100, description: 'New parent id or name' })),
  topLevel: Type.Optional(Type.Literal(true, { description: 'Move to the top level' })),
});
export type GroupUpdateBody = Static<typeof GroupUpdateBody>;

export const GroupDeleteQuery = Type.Object({
  moveTo: Type.Optional(Type.String({ maxLength: 100, description: 'Where numbers and subgroups go' })),
});

export const Consent = Type.Object({
  msisdn: MsisdnString,
  state: Type.Union([
    Type.Literal('none'),
    Type.Literal('requested'),
    Type.Literal('granted'),
    Type.Literal('revoked'),
  ]),
  requestedAt: Type.Union([Timestamp, Type.Null()]),
  grantedAt: Type.Union([Timestamp, Type.Null()]),
  revokedAt: Type.Union([Timestamp, Type.Null()]),
});
export type Consent = Static<typeof Consent>;

export const Location = Type.Object({
  msisdn: MsisdnString,
  employee: Type.String(),
  lat: Type.Number(),
  lon: Type.Number(),
  accuracyM: Type.Integer({ description: 'Radius of the area, metres' }),
  time: Timestamp,
  region: Type.String(),
});
export type Location = Static<typeof Location>;
