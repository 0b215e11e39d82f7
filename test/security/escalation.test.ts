import type { VmClient } from '../../src/client/client.js';
import { rejection, startTestBackend, type TestBackend } from '../integration/harness.js';
import { auditOf, invite } from '../support/invite.js';

/**
 * The escalation a security review found: an administrator over the Sales subtree edits a company-wide
 * role, then takes over the company administrator. Every step is refused with 403 and audited as a denial.
 */
let b: TestBackend;
let admin: VmClient;
let salesAdmin: VmClient;
const SALES_ADMIN = 'sales-admin@demo.test';

beforeAll(async () => {
  b = await startTestBackend();
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  await admin.call('roles.create', {
    body: { name: 'Sales admin', permissions: ['numbers:read', 'users:admin', 'block:write'] },
  });
  await admin.call('roles.create', { body: { name: 'Auditor', permissions: ['audit:read'] } });
  salesAdmin = await invite(b, admin, SALES_ADMIN, { role: 'Sales admin', group: 'sales' });
});
afterAll(async () => {
  await b.stop();
});

/** The last denial the audit log holds for `action`, by the Sales admin. */
function lastDenial(action: string) {
  return auditOf(b, action)
    .filter((r) => r.actor === SALES_ADMIN)
    .pop();
}

describe('a group-scoped administrator cannot climb', () => {
  it('cannot add rights to a built-in role (Viewer), so no Viewer gains them', async () => {
    const err = await rejection(
      salesAdmin.call('roles.update', {
        params: { name: 'Viewer' },
        body: { permissions: ['numbers:read', 'users:admin', 'block:write'] },
      }),
    );
    expect(err).toMatchObject({ status: 403, code: 'forbidden' });
    expect(lastDenial('roles.update')?.result).toMatch(/^denied/);
    const viewer = await b.loginAs('viewer@demo.test', 'viewer-demo-1');
    const perms = (await viewer.call('me.show')).grants.flatMap((g) => g.permissions);
    expect(perms).not.toContain('users:admin');
    expect(perms).not.toContain('block:write');
  });

  it('cannot edit a custom role either, nor its own', async () => {
    for (const name of ['Auditor', 'Sales admin']) {
      const err = await rejection(
        salesAdmin.call('roles.update', {
          params: { name },
          body: { permissions: ['numbers:read', 'users:admin', 'block:write', 'audit:read'] },
        }),
      );
      expect(err).toMatchObject({ status: 403, code: 'forbidden' });
    }
    expect((await admin.call('roles.list')).data.find((r) => r.name === 'Auditor')?.permissions).toEqual([
      'audit:read',
    ]);
  });

  it('cannot strip or delete Administrator, and neither can the company administrator', async () => {
    for (const who of [salesAdmin, admin]) {
      expect(
        await rejection(
          who.call('roles.update', {
            params: { name: 'Administrator' },
            body: { permissions: ['numbers:read'] },
          }),
        ),
      ).toMatchObject({ status: 403, code: 'forbidden' });
      expect(await rejection(who.call('roles.delete', { params: { name: 'Administrator' } }))).toMatchObject({
        status: 403,
      });
    }
    expect(lastDenial('roles.delete')?.result).toMatch(/^denied/);
    const adminRole = (await admin.call('roles.list')).data.find((r) => r.name === 'Administrator');
    expect(adminRole).toMatchObject({ builtin: true });
    expect(adminRole?.permissions).toContain('users:admin');
  });

  it('cannot create a role with rights it holds only over its group', async () => {
    expect(
      await rejection(
        salesAdmin.call('roles.create', { body: { name: 'Mine', permissions: ['block:write'] } }),
      ),
    ).toMatchObject({ status: 403 });
    expect(lastDenial('roles.create')?.result).toMatch(/^denied/);
  });

  it('cannot reset, re-address, disable or enable the company administrator', async () => {
    const err = await rejection(
      salesAdmin.call('users.resetPassword', {
        params: { id: 'admin@demo.test' },
        body: { showPassword: true },
      }),
    );
    expect(err).toMatchObject({ status: 403, code: 'forbidden', details: { reason: 'user_outranks' } });
    expect(lastDenial('users.resetPassword')).toMatchObject({ result: expect.stringMatching(/^denied/) });
    expect(
      await rejection(
        salesAdmin.call('users.update', {
          params: { id: 'admin@demo.test' },
          body: { email: 'me@evil.test' },
        }),
      ),
    ).toMatchObject({ status: 403 });
    expect(
      await rejection(salesAdmin.call('users.disable', { params: { id: 'admin@demo.test' } })),
    ).toMatchObject({ status: 403 });
    // The company administrator still logs in with the old password.
    await expect(b.loginAs('admin@demo.test', 'admin-demo-1')).resolves.toBeDefined();
  });

  it('cannot reset someone with the same group but more rights (the Sales manager has tariff:write)', async () => {
    expect(
      await rejection(
        salesAdmin.call('users.resetPassword', { params: { id: 'manager@demo.test' }, body: {} }),
      ),
    ).toMatchObject({ status: 403, details: { reason: 'user_outranks' } });
  });

  it('still resets a user it fully outranks', async () => {
    await admin.call('users.create', { body: { name: 'Junior', email: 'junior@demo.test' } });
    await salesAdmin
      .call('users.grant', {
        params: { id: 'junior@demo.test' },
        body: { role: 'Viewer', group: 'sales-north' },
      })
      .catch(() => undefined); // Viewer holds rights the Sales admin lacks: refused, so junior has no grant
    const reset = await salesAdmin.call('users.resetPassword', {
      params: { id: 'junior@demo.test' },
      body: {},
    });
    expect(reset.user.email).toBe('junior@demo.test');
  });

  it('leaves the company with an administrator holding every permission', async () => {
    await admin.call('roles.create', {
      body: { name: 'Owner', permissions: (await admin.call('roles.permissions')).data.map((p) => p.name) },
    });
    await admin.call('users.create', { body: { name: 'Owner', email: 'owner@demo.test' } });
    await admin.call('users.grant', {
      params: { id: 'owner@demo.test' },
      body: { role: 'Owner', company: true },
    });
    // Two full administrators: the demo admin may be stripped of Administrator…
    await admin.call('users.revoke', {
      params: { id: 'admin@demo.test' },
      body: { role: 'Administrator', company: true },
    });
    const owner = await b.loginAs('owner@demo.test', oneTime('owner@demo.test'));
    await owner.call('me.password', {
      body: { oldPassword: oneTime('owner@demo.test'), newPassword: 'owner-pass-1' },
    });
    // …but the last one's role may not lose a permission, and the last one may not be disabled.
    expect(
      await rejection(
        owner.call('roles.update', { params: { name: 'Owner' }, body: { permissions: ['users:admin'] } }),
      ),
    ).toMatchObject({ details: { reason: 'last_admin' } });
    expect(await rejection(owner.call('users.disable', { params: { id: 'owner@demo.test' } }))).toMatchObject(
      {
        details: { reason: 'last_admin' },
      },
    );
    await owner.call('users.grant', {
      params: { id: 'admin@demo.test' },
      body: { role: 'Administrator', company: true },
    });
  });
});

function oneTime(email: string): string {
  for (const n of b.services.store.audit.outbox(email)) {
    const m = /One-time password: (\S+)\./.exec(n.text);
    if (m?.[1]) return m[1];
  }
  return '';
}
