import type { OperationCreateBody } from '../../src/api/operations.js';
import { routes, type RouteDef, type RouteId } from '../../src/api/routes.js';
import { OPERATION_PERMISSION, OPERATION_TYPES } from '../../src/domain/operations.js';
import { isPermission } from '../../src/domain/permissions.js';
import type { VmClient } from '../../src/client/client.js';
import { startTestBackend, untyped, type TestBackend } from './harness.js';

let b: TestBackend;

interface Who {
  name: string;
  client: VmClient;
  /** Permissions this principal holds anywhere. */
  holds: string[];
  disabled?: boolean;
  /** Groups its numbers:read reaches; null = everything. */
  sees: string[] | null;
  /** An API token rather than an interactive session. */
  token?: boolean;
}
const who: Who[] = [];

/** A user invited by the admin, given one role over one group (or the company), logged in with their own password. */
async function invited(
  admin: VmClient,
  email: string,
  role: string,
  group: string | null,
): Promise<VmClient> {
  await admin.call('users.create', { body: { name: email, email } });
  await admin.call('users.grant', {
    params: { id: email },
    body: group ? { role, group } : { role, company: true },
  });
  const text = b.services.store.audit.outbox(email)[0]?.text ?? '';
  const oneTime = /One-time password: (\S+)\./.exec(text)?.[1] ?? '';
  const client = await b.loginAs(email, oneTime);
  await client.call('me.password', { body: { oldPassword: oneTime, newPassword: 'own-password-1' } });
  return client;
}

beforeAll(async () => {
  b = await startTestBackend();
  const admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  await admin.call('roles.create', {
    body: { name: 'Block officer', permissions: ['numbers:read', 'block:write'] },
  });
  const token = (await admin.call('tokens.create', { body: { name: 'narrow', scope: ['numbers:read'] } }))
    .token;
  const disabled = await invited(admin, 'gone@demo.test', 'Viewer', null);
  who.push(
    { name: 'admin', client: admin, holds: ['*'], sees: null },
    {
      name: 'Sales manager',
      client: await b.loginAs('manager@demo.test', 'manager-demo-1'),
      holds: ['numbers:read', 'tariff:write', 'services:write', 'block:write', 'events:read'],
      sees: ['sales', 'sales-north', 'sales-south'],
    },
    {
      name: 'IT viewer',
      client: await invited(admin, 'it-viewer@demo.test', 'Viewer', 'it'),
      holds: ['numbers:read', 'detail:read', 'money:read', 'reports:read', 'events:read'],
      sees: ['it'],
    },
    {
      name: 'custom role',
      client: await invited(admin, 'officer@demo.test', 'Block officer', 'warehouse'),
      holds: ['numbers:read', 'block:write'],
      sees: ['warehouse', 'drivers'],
    },
    { name: 'narrow token', client: b.client(token), holds: ['numbers:read'], sees: null, token: true },
    { name: 'disabled user', client: disabled, holds: [], disabled: true, sees: [] },
  );
  await admin.call('users.disable', { params: { id: 'gone@demo.test' } });
});
afterAll(async () => {
  await b.stop();
});

/** Sends a request that can only be refused for who is asking, never changes anything that matters. */
async function probe(client: VmClient, id: RouteId, def: RouteDef): Promise<number> {
  const params = Object.fromEntries(
    Object.keys((def.params?.properties ?? {}) as Record<string, unknown>).map((k) => [
      k,
      k === 'msisdn' ? '+79000000001' : 'no-such-thing',
    ]),
  );
  try {
    if (def.streamFormats?.includes('sse')) {
      // An event stream never ends by itself: its answer's head says whether it was allowed.
      ((await client.stream(id)) as unknown as { destroy(): void }).destroy();
      return 200;
    }
    await untyped(client)(id, {
      params,
      // An empty body fails validation for everyone allowed; a dry run changes nothing.
      ...(def.body ? { body: {} } : {}),
      ...(id === 'operations.create' ? { query: { dryRun: true } } : {}),
    });
    return 200;
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === undefined) throw err;
    return status;
  }
}

const matrix = (Object.entries(routes) as [RouteId, RouteDef][]).filter(
  ([id, def]) => !def.testOnly && def.access !== 'public' && id !== 'auth.logout',
);

describe('every route × every kind of caller', () => {
  it.each(matrix)('%s answers each caller by its rights', async (id, def) => {
    for (const w of who) {
      const status = await probe(w.client, id, def);
      const allowed =
        def.access === 'authenticated' ||
        (def.access === 'session' && !w.token) ||
        w.holds.includes('*') ||
        w.holds.includes(def.access);
      const outcome = w.disabled ? 'unauthenticated' : allowed ? 'allowed' : 'denied';
      const seen = status === 401 ? 'unauthenticated' : status === 403 ? 'denied' : 'allowed';
      expect([id, w.name, seen]).toEqual([id, w.name, outcome]);
    }
  });

  it('declares an access rule on every route it checks', () => {
    for (const [, def] of matrix)
      expect(isPermission(def.access) || ['authenticated', 'session'].includes(def.access)).toBe(true);
  });
});

describe('data outside the scope never appears', () => {
  it.each(['Sales manager', 'IT viewer', 'custom role'])('lists only what %s may see', async (name) => {
    const w = who.find((x) => x.name === name) as Who;
    const groups = new Set(w.sees);
    const numbers = [];
    for await (const n of w.client.paginate('numbers.list')) numbers.push(n);
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers.filter((n) => !groups.has(n.groupId))).toEqual([]);
    const visibleGroups = (await w.client.call('groups.list')).data.map((g) => g.id);
    expect(visibleGroups.sort()).toEqual([...groups].sort());
    const accounts = (await w.client.call('accounts.list')).data;
    expect(accounts.reduce((sum, a) => sum + a.numbers, 0)).toBe(numbers.length);
    const admin = who[0] as Who;
    const outside = (await admin.client.call('numbers.list', { query: { limit: 1000 } })).data.find(
      (n) => !groups.has(n.groupId),
    );
    await expect(
      w.client.call('numbers.show', { params: { msisdn: outside?.msisdn ?? '' } }),
    ).rejects.toMatchObject({ status: 404 });
  });
});

describe('call details and reports stay inside the scope', () => {
  it('gives the IT viewer reports and details of IT numbers only', async () => {
    const w = who.find((x) => x.name === 'IT viewer') as Who;
    const admin = who[0] as Who;
    const inventory = await w.client.call('reports.show', { params: { type: 'inventory' } });
    expect(inventory.rows.length).toBeGreaterThan(0);
    expect(inventory.rows.filter((r) => r.group !== 'IT')).toEqual([]);
    const all = (await admin.client.call('numbers.list', { query: { limit: 1000 } })).data;
    const outside = all.find((n) => n.groupId !== 'it')?.msisdn ?? '';
    const inside = all.find((n) => n.groupId === 'it')?.msisdn ?? '';
    await expect(
      w.client.stream('cdr.query', { body: { numbers: [outside], from: '2026-10-01', to: '2026-10-02' } }),
    ).rejects.toMatchObject({ status: 404 });
    const body = await w.client.stream('cdr.query', {
      body: { numbers: [inside], from: '2026-10-01', to: '2026-10-02', format: 'csv' },
    });
    let text = '';
    for await (const chunk of body) text += String(chunk);
    expect(text.split('\n')[0]).toBe('number,time,kind,direction,peer,peerName,location,seconds,bytes,cost');
    const usage = await w.client.call('reports.run', {
      params: { type: 'usage' },
      body: { numbers: [inside, outside], from: '2026-10-01', to: '2026-10-31' },
    });
    expect(usage.rows.map((r) => r.msisdn)).toEqual([inside]);
    // One number asked for: outside the scope it is as unknown, inside it is the one row.
    const one = (number: string) =>
      w.client.call('reports.show', { params: { type: 'inventory' }, query: { number } });
    expect((await one(outside)).rows).toEqual([]);
    expect((await one(inside)).rows.map((r) => r.msisdn)).toEqual([inside]);
  });
});

describe('operations: the permission of each type', () => {
  it.each([...OPERATION_TYPES])('%s is planned only for callers holding its permission', async (type) => {
    const admin = who[0] as Who;
    const any = (await admin.client.call('numbers.list', { query: { limit: 1 } })).data[0]?.msisdn ?? '';
    for (const w of who) {
      const body =
        type === 'sim.order'
          ? { type, params: { count: 1, tariff: 'SMART', account: '4001001' } }
          : { type, params: {}, targets: [{ msisdn: any }] };
      // Every type at once: each pairs its type with parameters that type accepts (or none at all).
      const typed = body as OperationCreateBody;
      let status = 200;
      try {
        await w.client.call('operations.create', { body: typed, query: { dryRun: true } });
      } catch (err) {
        status = (err as { status: number }).status;
      }
      const permission = OPERATION_PERMISSION[type];
      const expected = w.disabled ? 401 : w.holds.includes('*') || w.holds.includes(permission) ? 200 : 403;
      expect([type, w.name, status]).toEqual([type, w.name, expected]);
    }
  });
});

describe('rights about rights: role edits, password resets, appeals', () => {
  /** What each caller gets: a status per probe, in the order of `who`. */
  const probes: [string, (c: VmClient) => Promise<unknown>, number[]][] = [
    // admin, Sales manager, IT viewer, custom role, narrow token, disabled user
    [
      'edit the built-in Viewer role',
      (c) =>
        c.call('roles.update', {
          params: { name: 'Viewer' },
          body: { permissions: ['numbers:read', 'users:admin'] },
        }),
      [403, 403, 403, 403, 403, 401],
    ],
    [
      "reset a company-wide administrator's password",
      (c) => c.call('users.resetPassword', { params: { id: 'second-admin@demo.test' }, body: {} }),
      [200, 403, 403, 403, 403, 401],
    ],
    ['list own API tokens', (c) => c.call('tokens.list'), [200, 200, 200, 200, 403, 401]],
    ['read the outbox', (c) => c.call('notifications.list'), [200, 200, 200, 200, 403, 401]],
    [
      'read an appeal about an IT number',
      (c) => c.call('appeals.show', { params: { id: itAppeal } }),
      [200, 403, 403, 403, 403, 401],
    ],
  ];
  let itAppeal = '';

  beforeAll(async () => {
    const admin = (who[0] as Who).client;
    await admin.call('users.create', { body: { name: 'Second admin', email: 'second-admin@demo.test' } });
    await admin.call('users.grant', {
      params: { id: 'second-admin@demo.test' },
      body: { role: 'Administrator', company: true },
    });
    const it = (await admin.call('numbers.list', { query: { group: 'it', limit: 1 } })).data[0]?.msisdn;
    itAppeal = (
      await admin.call('appeals.create', {
        body: { type: 'complaint', subject: 'IT', text: 't', number: it },
      })
    ).id;
  });

  it.each(probes.map(([name, , expected], i) => [name, i, expected] as const))(
    '%s',
    async (_name, i, expected) => {
      const call = (probes[i] as (typeof probes)[number])[1];
      const seen: number[] = [];
      for (const w of who) {
        try {
          await call(w.client);
          seen.push(200);
        } catch (err) {
          seen.push((err as { status: number }).status);
        }
      }
      expect(seen).toEqual(expected);
    },
  );
});
