import type { User } from '../../src/api/auth.js';
import { adminBackend } from '../support/admin-backend.js';
import { demo, loginAs, makeConfigHome, parseJson, runVm } from '../support/run-vm.js';

describe('users: list, show, disable, enable (vm users)', () => {
  const fixture = adminBackend();
  const admin = fixture.admin;

  it('lists the users with their grants, as TSV and JSON', async () => {
    const tsv = await admin('users', 'list');
    expect(tsv.code).toBe(0);
    expect(tsv.stdout.split('\n')[0]).toMatch(/^id\tname\temail\t/);
    const users = parseJson<User[]>((await admin('users', 'list', '--json')).stdout);
    expect(users.map((u) => u.email)).toEqual([demo.admin.email, demo.manager.email, demo.viewer.email]);
    expect(users[1]?.grants[0]).toMatchObject({ role: 'Sales manager', groupId: 'sales' });
  });

  it('cuts a disabled user off at once: the open session and the API token both get exit 4', async () => {
    const managerConfig = makeConfigHome();
    await loginAs(fixture.backend.url, managerConfig, demo.manager.email, demo.manager.password);
    const manager = (...args: string[]) =>
      runVm(args, { server: fixture.backend.url, configHome: managerConfig });
    const token = (
      await manager('tokens', 'create', '--name', 'job', '--scope', 'numbers:read')
    ).stdout.trim();
    const viaToken = (lang?: string) =>
      runVm(['numbers', 'list', '--limit', '1'], {
        server: fixture.backend.url,
        env: { VM_TOKEN: token, ...(lang ? { VM_LANG: lang } : {}) },
      });
    expect((await manager('numbers', 'list', '--limit', '1')).code).toBe(0);
    expect((await viaToken()).code).toBe(0);

    const disabled = await admin('users', 'disable', demo.manager.email, '--yes');
    expect(disabled.code).toBe(0);
    expect(disabled.stderr).toMatch(/disabled/);

    const session = await manager('numbers', 'list', '--limit', '1');
    expect(session.code).toBe(4);
    const byToken = await viaToken();
    expect(byToken.code).toBe(4);
    expect(byToken.stderr).toMatch(/disabled/i);
    const ru = await viaToken('ru');
    expect(ru.code).toBe(4);
    expect(ru.stderr).toMatch(/отключён/);
    const login = await runVm(['login', '--email', demo.manager.email, '--password-stdin'], {
      server: fixture.backend.url,
      configHome: makeConfigHome(),
      stdin: `${demo.manager.password}\n`,
    });
    expect(login.code).toBe(4);

    expect((await admin('users', 'enable', demo.manager.email)).code).toBe(0);
    expect((await viaToken()).code).toBe(0);
    await loginAs(fixture.backend.url, managerConfig, demo.manager.email, demo.manager.password);
    expect((await manager('numbers', 'list', '--limit', '1')).code).toBe(0);
  });

  it('never disables the last company-wide administrator', async () => {
    const r = await admin('users', 'disable', demo.admin.email, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no active administrator with every permission/);
    const ru = await runVm(['users', 'disable', demo.admin.email, '--yes', '--lang', 'ru'], {
      server: fixture.backend.url,
      configHome: fixture.config,
    });
    expect(ru.stderr).toMatch(/не останется активного администратора/);
    expect((await admin('whoami')).code).toBe(0);
  });

  it('asks for --yes without a terminal, and refuses users without users:admin (exit 5)', async () => {
    const noYes = await admin('users', 'disable', demo.viewer.email);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/--yes/);
    const viewerConfig = makeConfigHome();
    await loginAs(fixture.backend.url, viewerConfig, demo.viewer.email, demo.viewer.password);
    const denied = await runVm(['users', 'list'], { server: fixture.backend.url, configHome: viewerConfig });
    expect(denied.code).toBe(5);
  });

  it('creates a role, grants it over a group, revokes it and deletes the role (en and ru)', async () => {
    const created = await admin(
      'roles',
      'create',
      'Block officer',
      '--permissions',
      'numbers:read,block:write',
    );
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(/Role "Block officer" saved/);
    const grant = await admin(
      'users',
      'grant',
      demo.viewer.email,
      'Block officer',
      '--group',
      'Warehouse',
      '--json',
    );
    expect(grant.code).toBe(0);
    expect(parseJson<User>(grant.stdout).grants.map((g) => `${g.role}@${g.groupId}`)).toContain(
      'Block officer@warehouse',
    );
    const inUse = await runVm(['roles', 'delete', 'Block officer', '--lang', 'ru'], {
      server: fixture.backend.url,
      configHome: fixture.config,
    });
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/сначала отзовите/);
    expect(
      (await admin('users', 'revoke', demo.viewer.email, 'Block officer', '--group', 'warehouse')).code,
    ).toBe(0);
    expect((await admin('roles', 'delete', 'Block officer')).code).toBe(0);
    const noScope = await admin('users', 'grant', demo.viewer.email, 'Viewer');
    expect(noScope.code).toBe(2);
    expect(noScope.stderr).toMatch(/--group GROUP or --company/);
  });

  it('refuses a role with rights its creator lacks (exit 5), in Russian too', async () => {
    const managerConfig = makeConfigHome();
    await loginAs(fixture.backend.url, managerConfig, demo.manager.email, demo.manager.password);
    const r = await runVm(['roles', 'create', 'Mine', '--permissions', 'users:admin', '--lang', 'ru'], {
      server: fixture.backend.url,
      configHome: managerConfig,
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/Нет прав/);
  });
});
