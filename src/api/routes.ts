import { Type, type TSchema } from '@sinclair/typebox';
import type { RouteAccess } from '../domain/permissions.js';
import { Empty, Ok, Page, PageQuery } from './common.js';
import {
  ApiToken,
  CreatedToken,
  IdParam,
  LoginBody,
  LoginRecord,
  LoginResult,
  Me,
  Notification,
  TokenCreateBody,
} from './auth.js';
import {
  Account,
  Group,
  Line,
  LineDetail,
  MsisdnParam,
  NumberFilter,
  Service,
  ServiceFilter,
  Tariff,
} from './lines.js';

/** One route of the contract: the backend registers it, the client calls it, OpenAPI describes it. */
export interface RouteDef {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** fastify-style path, e.g. /v1/numbers/:msisdn */
  path: string;
  access: RouteAccess;
  summary: string;
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
  response: TSchema;
  status?: number;
  /** Only in a backend started with --test-mode. */
  testOnly?: boolean;
}

const ListQuery = (filter?: TSchema) => (filter ? Type.Composite([PageQuery, filter]) : PageQuery);

/** Every route of the /v1 API. The key is the route's stable id (also the audit action). */
export const routes = {
  'auth.login': {
    method: 'POST',
    path: '/v1/auth/login',
    access: 'public',
    summary: 'Log in with e-mail or phone and password; returns a session token',
    body: LoginBody,
    response: LoginResult,
  },
  'auth.logout': {
    method: 'POST',
    path: '/v1/auth/logout',
    access: 'authenticated',
    summary: 'End the current session',
    response: Ok,
  },
  'me.show': {
    method: 'GET',
    path: '/v1/me',
    access: 'authenticated',
    summary: 'Who is calling',
    response: Me,
  },
  'sessions.list': {
    method: 'GET',
    path: '/v1/sessions',
    access: 'authenticated',
    summary: 'Login history of the caller (successful and failed)',
    query: ListQuery(),
    response: Page(LoginRecord),
  },
  'tokens.list': {
    method: 'GET',
    path: '/v1/tokens',
    access: 'authenticated',
    summary: "The caller's API tokens",
    query: ListQuery(),
    response: Page(ApiToken),
  },
  'tokens.create': {
    method: 'POST',
    path: '/v1/tokens',
    access: 'authenticated',
    summary: 'Create a long-lived API token (shown once); its scope cannot exceed your rights',
    body: TokenCreateBody,
    response: CreatedToken,
    status: 201,
  },
  'tokens.revoke': {
    method: 'DELETE',
    path: '/v1/tokens/:id',
    access: 'authenticated',
    summary: 'Revoke an API token by id or name',
    params: IdParam,
    response: ApiToken,
  },
  'notifications.list': {
    method: 'GET',
    path: '/v1/notifications',
    access: 'authenticated',
    summary: 'The SMS and e-mail outbox addressed to the caller',
    query: ListQuery(),
    response: Page(Notification),
  },
  'accounts.list': {
    method: 'GET',
    path: '/v1/accounts',
    access: 'numbers:read',
    summary: 'Accounts (contracts) with numbers in your scope',
    query: ListQuery(),
    response: Page(Account),
  },
  'numbers.list': {
    method: 'GET',
    path: '/v1/numbers',
    access: 'numbers:read',
    summary: 'Numbers in your scope, filtered',
    query: ListQuery(NumberFilter),
    response: Page(Line),
  },
  'numbers.show': {
    method: 'GET',
    path: '/v1/numbers/:msisdn',
    access: 'numbers:read',
    summary: 'One number in full',
    params: MsisdnParam,
    response: LineDetail,
  },
  'tariffs.list': {
    method: 'GET',
    path: '/v1/tariffs',
    access: 'numbers:read',
    summary: 'The tariff catalog',
    query: ListQuery(),
    response: Page(Tariff),
  },
  'services.list': {
    method: 'GET',
    path: '/v1/services',
    access: 'numbers:read',
    summary: 'The service catalog',
    query: ListQuery(ServiceFilter),
    response: Page(Service),
  },
  'groups.list': {
    method: 'GET',
    path: '/v1/groups',
    access: 'numbers:read',
    summary: 'Groups in your scope, parents before children',
    query: ListQuery(),
    response: Page(Group),
  },
  'openapi.show': {
    method: 'GET',
    path: '/v1/openapi.json',
    access: 'public',
    summary: 'This API as an OpenAPI 3.1 document',
    response: Type.Object({}, { additionalProperties: true }),
  },
  'test.clock.show': {
    method: 'GET',
    path: '/v1/test/clock',
    access: 'public',
    summary: "The backend's clock (test mode only)",
    response: Type.Object({ now: Type.String() }),
    testOnly: true,
  },
  'test.clock.set': {
    method: 'POST',
    path: '/v1/test/clock',
    access: 'public',
    summary: "Set or advance the backend's manual clock (test mode only)",
    body: Type.Object({
      now: Type.Optional(Type.String({ format: 'date-time' })),
      advanceSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    }),
    response: Type.Object({ now: Type.String() }),
    testOnly: true,
  },
} satisfies Record<string, RouteDef>;

/** A route id, e.g. `numbers.list`. */
export type RouteId = keyof typeof routes;

export { Empty };
