import type { VmClient } from '../../src/client/client.js';
import { startTestBackend, rejection, type TestBackend } from './harness.js';

let b: TestBackend;
let admin: VmClient;
beforeAll(async () => {
  b = await startTestBackend();
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
});
afterAll(async () => {
  await b.stop();
});

const lastDenial = () =>
  b
    .db()
    .prepare("SELECT actor, action, result FROM audit WHERE result LIKE 'denied%' ORDER BY id DESC LIMIT 1")
    .get();

describe('privilege escalation', () => {
  it('refuses a manager without users:admin every grant and role change, and audits each denial', async () => {
    const manager = await b.loginAs('manager@demo.test', 'manager-demo-1');
    const attempts: [string, Promise<unknown>][] = [
      [
        'users.grant',
        manager.call('users.grant', {
          params: { id: 'manager@demo.test' },
          body: { role: 'Administrator', company: true },
        }),
      ],
      [
        'users.grant',
        manager.call('users.grant', {
          params: { id: 'manager@demo.test' },
          body: { role: 'Sales manager', group: 'hq' },
        }),
      ],
      [
        'roles.create',
        manager.call('roles.create', { body: { name: 'Sneaky', permissions: ['users:admin'] } }),
      ],
    ];
    for (const [action, attempt] of attempts) {
      expect(await rejection(attempt)).toMatchObject({ status: 403 });
      expect(lastDenial()).toMatchObject({
        actor: 'manager@demo.test',
        action,
        result: 'denied: users:admin',
      });
    }
  });

  it('keeps a Sales-scoped administrator inside Sales and inside its own rights', async () => {
    await admin.call('roles.create', {
      body: { name: 'Sales admin', permissions: ['users:admin', 'numbers:read', 'tariff:write'] },
    });
    await admin.call('users.grant', {
      params: { id: 'manager@demo.test' },
      body: { role: 'Sales admin', group: 'sales' },
    });
    const salesAdmin = await b.loginAs('manager@demo.test', 'manager-demo-1');

    // granting over the whole company, or over a group outside Sales
    expect(
      await rejection(
        salesAdmin.call('users.grant', {
          params: { id: 'manager@demo.test' },
          body: { role: 'Sales admin', company: true },
        }),
      ),
    ).toMatchObject({ status: 403, details: { reason: 'grant_beyond_scope' } });
    expect(lastDenial()).toMatchObject({
      actor: 'manager@demo.test',
      action: 'users.grant',
      result: 'denied: forbidden',
    });
    // a role holding a permission it lacks (block:write is not in Sales admin; the manager's own Sales manager role has it)
    expect(
      await rejection(
        salesAdmin.call('users.grant', {
          params: { id: 'manager@demo.test' },
          body: { role: 'Administrator', group: 'sales' },
        }),
      ),
    ).toMatchObject({ status: 403 });
    // roles are company-wide: a scoped admin cannot create them
    expect(
      await rejection(
        salesAdmin.call('roles.create', { body: { name: 'Mine', permissions: ['numbers:read'] } }),
      ),
    ).toMatchObject({
      status: 403,
    });
    // inside its scope and rights it may grant
    const granted = await salesAdmin.call('users.grant', {
      params: { id: 'manager@demo.test' },
      body: { role: 'Sales manager', group: 'sales-north' },
    });
    expect(granted.grants.map((g) => `${g.role}@${g.groupId}`)).toContain('Sales manager@sales-north');
  });

  it('refuses a company admin a role with a permission outside the catalog', async () => {
    expect(
      await rejection(admin.call('roles.create', { body: { name: 'Odd', permissions: ['root:all'] } })),
    ).toMatchObject({
      code: 'validation_failed',
      details: { reason: 'permission_unknown' },
    });
  });
});

describe('rights change at once', () => {
  it('shows a session the new rights on its next request, without logging in again', async () => {
    const viewer = await b.loginAs('viewer@demo.test', 'viewer-demo-1');
    expect(await rejection(viewer.call('audit.list'))).toMatchObject({ status: 403 });
    await admin.call('roles.create', { body: { name: 'Auditor', permissions: ['audit:read'] } });
    await admin.call('users.grant', {
      params: { id: 'viewer@demo.test' },
      body: { role: 'Auditor', company: true },
    });
    await expect(viewer.call('audit.list', { query: { limit: 1 } })).resolves.toMatchObject({
      data: [expect.anything()],
    });
    await admin.call('users.revoke', {
      params: { id: 'viewer@demo.test' },
      body: { role: 'Auditor', company: true },
    });
    expect(await rejection(viewer.call('audit.list'))).toMatchObject({ status: 403 });
  });

  it('never strips the last company-wide administrator, by revoke; built-in roles never change', async () => {
    expect(
      await rejection(
        admin.call('users.revoke', {
          params: { id: 'admin@demo.test' },
          body: { role: 'Administrator', company: true },
        }),
      ),
    ).toMatchObject({ details: { reason: 'last_admin' } });
    expect(
      await rejection(
        admin.call('roles.update', {
          params: { name: 'Administrator' },
          body: { permissions: ['numbers:read'] },
        }),
      ),
    ).toMatchObject({ status: 403, details: { reason: 'role_builtin' } });
    expect((await admin.call('me.show')).grants[0]?.permissions).toContain('users:admin');
  });

  it('deletes only roles nobody holds', async () => {
    expect(await rejection(admin.call('roles.delete', { params: { name: 'Sales admin' } }))).toMatchObject({
      details: { reason: 'role_in_use' },
    });
    await admin.call('roles.create', { body: { name: 'Temp', permissions: ['numbers:read'] } });
    await expect(admin.call('roles.delete', { params: { name: 'temp' } })).resolves.toEqual({ ok: true });
  });
});
