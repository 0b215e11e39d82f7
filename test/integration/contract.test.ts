import { routes, type RouteDef } from '../../src/api/routes.js';
import { isPermission } from '../../src/domain/permissions.js';
import { startTestBackend, rejection, type TestBackend } from './harness.js';

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend({ lines: 2345 });
});
afterAll(async () => {
  await b.stop();
});

describe('routes', () => {
  it('declares a permission (or public/authenticated) on every route the app serves', () => {
    const served = b.app.registered;
    expect(served.length).toBeGreaterThan(10);
    for (const r of served) {
      expect([r.method, r.url, r.access]).toEqual([r.method, r.url, expect.any(String)]);
      expect(
        isPermission(r.access as string) ||
          ['public', 'authenticated', 'session'].includes(r.access as string),
      ).toBe(true);
    }
  });

  it('serves exactly the routes of the contract', () => {
    const contract = (Object.values(routes) as RouteDef[]).map((r) => `${r.method} ${r.path}`).sort();
    const served = b.app.registered.map((r) => `${r.method} ${r.url}`).sort();
    expect(served).toEqual(contract);
  });

  it('answers unknown routes with the error object and a request id', async () => {
    const res = await fetch(`${b.url}/v1/nope`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('not_found');
    expect(res.headers.get('x-request-id')).toBe(body.error.requestId);
  });
});

describe('cursor paging', () => {
  it('returns every number exactly once across pages of 100', async () => {
    const admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
    const seen: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = await admin.call('numbers.list', { query: { limit: 100, cursor } });
      seen.push(...page.data.map((n) => n.msisdn));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(24);
    expect(seen).toHaveLength(2345);
    expect(new Set(seen).size).toBe(2345);
    expect([...seen].sort()).toEqual(seen);
  });

  it('pages the same way through the client generator with filters', async () => {
    const admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
    const all: string[] = [];
    for await (const n of admin.paginate('numbers.list', { group: 'sales' }, 37)) all.push(n.groupPath);
    expect(all.length).toBeGreaterThan(37);
    expect(all.every((p) => p.startsWith('HQ/Sales'))).toBe(true);
  });

  it('refuses a limit over 1000 and a forged cursor', async () => {
    const admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
    expect(await rejection(admin.call('numbers.list', { query: { limit: 1001 } }))).toMatchObject({
      code: 'validation_failed',
    });
    expect(await rejection(admin.call('numbers.list', { query: { cursor: '!!!' } }))).toMatchObject({
      code: 'validation_failed',
    });
  });
});

describe('authorization', () => {
  it('hides numbers outside the manager scope as if they did not exist', async () => {
    const admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
    const manager = await b.loginAs('manager@demo.test', 'manager-demo-1');
    const outside = (await admin.call('numbers.list', { query: { group: 'warehouse', limit: 1 } })).data[0];
    expect(outside).toBeDefined();
    expect(
      await rejection(manager.call('numbers.show', { params: { msisdn: outside?.msisdn ?? '' } })),
    ).toMatchObject({
      code: 'not_found',
      status: 404,
    });
    expect(await rejection(manager.call('numbers.list', { query: { group: 'warehouse' } }))).toMatchObject({
      code: 'not_found',
    });
  });

  it('refuses a token with more rights than its owner holds, and audits the denial', async () => {
    const viewer = await b.loginAs('viewer@demo.test', 'viewer-demo-1');
    expect(
      await rejection(
        viewer.call('tokens.create', { body: { name: 'too-much', scope: ['numbers:read', 'block:write'] } }),
      ),
    ).toMatchObject({ code: 'scope_exceeded', status: 403 });
    const denial = b
      .db()
      .prepare("SELECT result FROM audit WHERE action = 'tokens.create' ORDER BY id DESC LIMIT 1")
      .get() as { result: string };
    expect(denial.result).toBe('denied: scope_exceeded');
    expect((await viewer.call('tokens.list')).data).toHaveLength(0);
  });

  it('gives a token only the rights in its scope', async () => {
    const admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
    const created = await admin.call('tokens.create', { body: { name: 'reader', scope: ['numbers:read'] } });
    const token = b.client(created.token);
    await expect(token.call('numbers.list', { query: { limit: 1 } })).resolves.toMatchObject({
      data: [expect.anything()],
    });
    const me = await token.call('me.show');
    expect(me.via).toBe('token');
    expect(me.grants.flatMap((g) => g.permissions)).toEqual(['numbers:read']);
    await admin.call('tokens.revoke', { params: { id: 'reader' } });
    expect(await rejection(token.call('me.show'))).toMatchObject({ code: 'token_invalid', status: 401 });
  });
});

describe('audit', () => {
  it('is append-only: the database refuses updates and deletes', () => {
    const db = b.db();
    expect(() => db.prepare("UPDATE audit SET result = 'ok'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
  });
});

describe('the audit log over HTTP', () => {
  it('has no route that changes or deletes audit entries', () => {
    const auditRoutes = b.app.registered.filter((r) => r.url.includes('/audit'));
    expect(auditRoutes.map((r) => r.method)).toEqual(['GET']);
  });

  it('shows logins, failures and denials to a holder of audit:read, and refuses the others', async () => {
    await rejection(
      b.client().call('auth.login', { body: { login: 'admin@demo.test', password: 'typo-1' } }),
    );
    const admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
    const failed = await admin.call('audit.list', { query: { result: 'failed', action: 'auth.login' } });
    expect(failed.data[0]).toMatchObject({
      action: 'auth.login',
      actor: 'admin@demo.test',
      result: 'failed: invalid_credentials',
    });
    expect(JSON.stringify(failed.data)).not.toContain('typo-1');
    const viewer = await b.loginAs('viewer@demo.test', 'viewer-demo-1');
    expect(await rejection(viewer.call('audit.list'))).toMatchObject({ code: 'forbidden', status: 403 });
    const denials = await admin.call('audit.list', {
      query: { actor: 'viewer@demo.test', result: 'failed' },
    });
    expect(denials.data[0]).toMatchObject({ action: 'audit.list', result: 'denied: audit:read' });
  });
});

describe('users and roles (read)', () => {
  it('lists users with grants for users:admin, and refuses a manager', async () => {
    const admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
    const users = await admin.call('users.list');
    expect(users.data.map((u) => u.email)).toEqual([
      'admin@demo.test',
      'manager@demo.test',
      'viewer@demo.test',
    ]);
    expect((await admin.call('users.show', { params: { id: 'MANAGER@demo.test' } })).grants).toEqual([
      {
        role: 'Sales manager',
        groupId: 'sales',
        permissions: ['numbers:read', 'tariff:write', 'services:write', 'block:write', 'events:read'],
      },
    ]);
    const manager = await b.loginAs('manager@demo.test', 'manager-demo-1');
    expect(await rejection(manager.call('users.list'))).toMatchObject({ status: 403 });
    expect((await manager.call('roles.permissions')).data).toHaveLength(16);
  });
});
