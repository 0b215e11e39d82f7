import type { AuditEntry, PermissionInfo, Role } from '../../src/api/auth.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { demo, loginAs, makeConfigHome, parseJson, removeTempDirs, runVm } from '../support/run-vm.js';

describe('vm audit and vm roles, in English and Russian', () => {
  let backend: BackendProcess;
  let adminConfig: string;
  const admin = (...args: string[]) => runVm(args, { server: backend.url, configHome: adminConfig });
  const adminRu = (...args: string[]) =>
    runVm(args, { server: backend.url, configHome: adminConfig, env: { VM_LANG: 'ru' } });

  beforeAll(async () => {
    backend = await startBackendProcess();
    await runVm(['login', '--email', demo.admin.email, '--password-stdin'], {
      server: backend.url,
      configHome: makeConfigHome(),
      stdin: 'wrong-password\n',
    });
    adminConfig = makeConfigHome();
    await loginAs(backend.url, adminConfig, demo.admin.email, demo.admin.password);
  });

  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
  });

  it('lists logins, failures and changes with actor, result, IP and request id — never a password', async () => {
    const some = parseJson<{ msisdn: string }[]>(
      (await admin('numbers', 'list', '--limit', '1', '--json')).stdout,
    )[0];
    expect((await admin('block', some?.msisdn ?? '', '--reason', 'lost', '--yes')).code).toBe(0);
    const all = parseJson<AuditEntry[]>((await admin('audit', '--json')).stdout);
    expect(all.find((e) => e.action === 'number.block')).toMatchObject({
      actor: demo.admin.email,
      target: some?.msisdn,
      result: 'ok',
      ip: '127.0.0.1',
    });
    const failed = parseJson<AuditEntry[]>(
      (await admin('audit', '--result', 'failed', '--action', 'auth.login', '--json')).stdout,
    );
    expect(failed[0]).toMatchObject({ actor: demo.admin.email, result: 'failed: invalid_credentials' });
    expect(failed[0]?.requestId).toMatch(/\S/);
    expect((await admin('audit', '--json')).stdout).not.toContain('wrong-password');
    const byNumber = parseJson<AuditEntry[]>(
      (await admin('audit', '--number', some?.msisdn ?? '', '--json')).stdout,
    );
    expect(byNumber.every((e) => e.target === some?.msisdn)).toBe(true);
    const tsv = await admin('audit', '--limit', '3');
    expect(tsv.stdout.split('\n')[0]).toMatch(/^time\tactor\taction\ttarget\tresult\tip/);
    expect(tsv.stdout.trim().split('\n')).toHaveLength(4);
  });

  it('refuses the audit to a viewer (exit 5) and says so in Russian', async () => {
    const viewerConfig = makeConfigHome();
    await loginAs(backend.url, viewerConfig, demo.viewer.email, demo.viewer.password);
    const r = await runVm(['audit', '--lang', 'ru'], { server: backend.url, configHome: viewerConfig });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/Нет прав/);
    const denial = parseJson<AuditEntry[]>(
      (await admin('audit', '--actor', demo.viewer.email, '--result', 'failed', '--json')).stdout,
    );
    expect(denial[0]).toMatchObject({ action: 'audit.list', result: 'denied: audit:read' });
  });

  it('lists and shows roles and the permission catalog; updates a role', async () => {
    const roles = parseJson<Role[]>((await admin('roles', 'list', '--json')).stdout);
    expect(roles.map((r) => r.name)).toEqual(['Administrator', 'Sales manager', 'Viewer']);
    const shown = parseJson<Role>((await admin('roles', 'show', 'viewer', '--json')).stdout);
    expect(shown).toMatchObject({ name: 'Viewer', users: 1 });
    const catalog = parseJson<PermissionInfo[]>((await admin('roles', 'permissions', '--json')).stdout);
    expect(catalog.map((p) => p.name)).toContain('locate:read');
    const ru = await adminRu('roles', 'permissions');
    expect(ru.stdout).toMatch(/Читать журнал аудита/);
    const builtin = await admin('roles', 'update', 'Viewer', '--description', 'Reads everything');
    expect(builtin.code).toBe(5);
    expect(builtin.stderr).toMatch(/built-in role/);
    expect((await admin('roles', 'create', 'Reader', '--permissions', 'numbers:read')).code).toBe(0);
    const updated = await admin('roles', 'update', 'Reader', '--description', 'Reads everything', '--json');
    expect(parseJson<Role>(updated.stdout).description).toBe('Reads everything');
    const missing = await adminRu('roles', 'show', 'Nobody');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Нет роли «Nobody»/);
  });
});
