import { Type, type Static } from '@sinclair/typebox';
import { CONTROL_CHARACTERS } from '../domain/plain-text.js';
import { SingleLine, Timestamp } from './common.js';

export const LoginBody = Type.Object({
  login: Type.String({ minLength: 1, maxLength: 200, description: 'E-mail or phone number' }),
  password: Type.String({ minLength: 1, maxLength: 200 }),
  client: Type.Optional(SingleLine({ maxLength: 200, description: 'Client name and version' })),
});
export type LoginBody = Static<typeof LoginBody>;

export const Grant = Type.Object({
  role: Type.String(),
  groupId: Type.Union([Type.String(), Type.Null()], { description: 'null = the whole company' }),
  permissions: Type.Array(Type.String()),
});
export type Grant = Static<typeof Grant>;

export const Me = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  email: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  company: Type.String(),
  via: Type.Union([Type.Literal('session'), Type.Literal('token')]),
  tokenName: Type.Union([Type.String(), Type.Null()]),
  grants: Type.Array(Grant),
  sessionIdleTimeoutSeconds: Type.Integer(),
  mustChangePassword: Type.Boolean({
    description: 'A one-time password is in use: only a password change is allowed',
  }),
});
export type Me = Static<typeof Me>;

export const LoginResult = Type.Object({
  token: Type.String(),
  idleTimeoutSeconds: Type.Integer(),
  user: Me,
});
export type LoginResult = Static<typeof LoginResult>;

export const LoginRecord = Type.Object({
  id: Type.Integer(),
  time: Timestamp,
  login: Type.String(),
  ip: Type.String(),
  client: Type.String(),
  success: Type.Boolean(),
  reason: Type.Union([Type.String(), Type.Null()]),
  current: Type.Boolean(),
});
export type LoginRecord = Static<typeof LoginRecord>;

export const TokenCreateBody = Type.Object({
  name: SingleLine({ minLength: 1, maxLength: 100 }),
  scope: Type.Optional(Type.Array(Type.String(), { description: 'Permissions; default: all of yours' })),
  expiresAt: Type.Optional(Timestamp),
});
export type TokenCreateBody = Static<typeof TokenCreateBody>;

export const ApiToken = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  scope: Type.Array(Type.String()),
  createdAt: Timestamp,
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  revokedAt: Type.Union([Timestamp, Type.Null()]),
});
export type ApiToken = Static<typeof ApiToken>;

export const CreatedToken = Type.Object({ token: Type.String(), info: ApiToken });
export type CreatedToken = Static<typeof CreatedToken>;

export const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export type IdParam = Static<typeof IdParam>;

export const Notification = Type.Object({
  id: Type.Integer(),
  time: Timestamp,
  channel: Type.String(),
  recipient: Type.String(),
  text: Type.String(),
});
export type Notification = Static<typeof Notification>;

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  time: Timestamp,
  actor: Type.String({ description: 'User e-mail, or "e-mail (token NAME)", or the login tried' }),
  actorType: Type.String(),
  action: Type.String({ description: 'Route id (e.g. tokens.create) or operation type per changed number' }),
  target: Type.Union([Type.String(), Type.Null()]),
  params: Type.Record(Type.String(), Type.Unknown(), { description: 'Request parameters, secrets removed' }),
  result: Type.String({ description: 'ok, failed: REASON, denied: PERMISSION' }),
  ip: Type.String(),
  requestId: Type.String(),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditQuery = Type.Object({
  actor: Type.Optional(Type.String({ maxLength: 200, description: 'Part of the actor' })),
  action: Type.Optional(
    Type.String({ maxLength: 100, description: 'An action or an action prefix (tokens)' }),
  ),
  number: Type.Optional(Type.String({ maxLength: 40 })),
  since: Type.Optional(Timestamp),
  until: Type.Optional(Timestamp),
  result: Type.Optional(Type.Literal('failed', { description: 'Only failures and denials' })),
});
export type AuditQuery = Static<typeof AuditQuery>;

export const Role = Type.Object({
  name: Type.String(),
  description: Type.String(),
  permissions: Type.Array(Type.String()),
  builtin: Type.Boolean({ description: 'One of the roles the company started with; never changes' }),
  users: Type.Integer({ description: 'Users holding it' }),
});
export type Role = Static<typeof Role>;

export const PermissionInfo = Type.Object({ name: Type.String(), description: Type.String() });
export type PermissionInfo = Static<typeof PermissionInfo>;

export const User = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  email: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  locked: Type.Boolean(),
  mustChangePassword: Type.Boolean(),
  createdAt: Timestamp,
  grants: Type.Array(Grant),
});
export type User = Static<typeof User>;

export const RoleCreateBody = Type.Object({
  name: SingleLine({ minLength: 1, maxLength: 100 }),
  description: Type.Optional(SingleLine({ maxLength: 500 })),
  permissions: Type.Array(Type.String(), { minItems: 1, description: 'From the permission catalog' }),
});
export type RoleCreateBody = Static<typeof RoleCreateBody>;

export const RoleUpdateBody = Type.Object({
  description: Type.Optional(SingleLine({ maxLength: 500 })),
  permissions: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
});
export type RoleUpdateBody = Static<typeof RoleUpdateBody>;

export const NameParam = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });

export const GrantBody = Type.Object({
  role: SingleLine({ minLength: 1, maxLength: 100 }),
  // Exactly one of the two: the scope of a grant is never implied by a missing field.
  group: Type.Optional(
    SingleLine({ minLength: 1, maxLength: 100, description: 'Group id or name: its subtree' }),
  ),
  company: Type.Optional(Type.Literal(true, { description: 'The whole company' })),
});
export type GrantBody = Static<typeof GrantBody>;

/** An e-mail address: something@somewhere, without spaces or control characters. */
const Email = Type.String({
  minLength: 3,
  maxLength: 200,
  pattern: `^[^@\\s${CONTROL_CHARACTERS}]+@[^@\\s${CONTROL_CHARACTERS}]+$`,
});

export const UserCreateBody = Type.Object({
  name: SingleLine({ minLength: 1, maxLength: 200 }),
  email: Email,
  phone: Type.Optional(SingleLine({ maxLength: 40 })),
  /** Return the one-time password in the answer too (the CLI asks only with --show-password on a terminal). */
  showPassword: Type.Optional(Type.Boolean()),
});
export type UserCreateBody = Static<typeof UserCreateBody>;

export const UserUpdateBody = Type.Object({
  name: Type.Optional(SingleLine({ minLength: 1, maxLength: 200 })),
  email: Type.Optional(Email),
  phone: Type.Optional(SingleLine({ maxLength: 40 })),
});
export type UserUpdateBody = Static<typeof UserUpdateBody>;

export const Invitation = Type.Object({
  user: User,
  oneTimePassword: Type.Union([Type.String(), Type.Null()], {
    description: 'Only when showPassword was asked',
  }),
});
export type Invitation = Static<typeof Invitation>;

export const ResetBody = Type.Object({ showPassword: Type.Optional(Type.Boolean()) });

export const PasswordChangeBody = Type.Object({
  oldPassword: Type.String({ minLength: 1, maxLength: 200 }),
  newPassword: Type.String({ minLength: 8, maxLength: 200 }),
});
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;

export const PasswordChanged = Type.Object({
  ok: Type.Literal(true),
  sessionsEnded: Type.Integer({
    minimum: 0,
    description: "The caller's other sessions, ended by the change (API tokens keep working)",
  }),
});
export type PasswordChanged = Static<typeof PasswordChanged>;
