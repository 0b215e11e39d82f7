import type { ApiToken } from '../../src/api/auth.js';
import type { Group, Line } from '../../src/api/lines.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { demo, loginAs, makeConfigHome, parseJson, removeTempDirs, runVm } from '../support/run-vm.js';

const salesGroups: readonly string[] = demo.salesGroups;

describe('rights: what each user may see and do', () => {
  let backend: BackendProcess;
  const config = { admin: '', manager: '', viewer: '' };
  const as = (who: keyof typeof config, ...args: string[]) =>
    runVm(args, { server: backend.url, configHome: config[who] });

  beforeAll(async () => {
    backend = await startBackendProcess();
    for (const who of ['admin', 'manager', 'viewer'] as const) {
      config[who] = makeConfigHome();
      await loginAs(backend.url, config[who], demo[who].email, demo[who].password);
    }
  });

  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
  });

  it('shows a manager only the numbers of the Sales subtree, as many as the admin sees there', async () => {
    const mine = await as('manager', 'numbers', 'list', '--json');
    expect(mine.code).toBe(0);
    const managerLines = parseJson<Line[]>(mine.stdout);
    expect(managerLines.length).toBeGreaterThan(0);
    for (const l of managerLines) expect(salesGroups).toContain(l.groupId);

    const admins = await as('admin', 'numbers', 'list', '--group', 'sales', '--json');
    expect(admins.code).toBe(0);
    const adminSales = parseJson<Line[]>(admins.stdout);
    expect(managerLines.map((l) => l.msisdn).sort()).toEqual(adminSales.map((l) => l.msisdn).sort());
  });

  it('hides a warehouse number from the manager as if it did not exist, while the admin sees it', async () => {
    const warehouse = await as('admin', 'numbers', 'list', '--group', 'warehouse', '--limit', '1', '--json');
    const line = parseJson<Line[]>(warehouse.stdout)[0] as Line;
    expect(line).toBeDefined();

    const admin = await as('admin', 'numbers', 'show', line.msisdn, '--json');
    expect(admin.code).toBe(0);
    expect(parseJson<Line>(admin.stdout).msisdn).toBe(line.msisdn);

    const manager = await as('manager', 'numbers', 'show', line.msisdn);
    expect(manager.code).toBe(1);
    expect(manager.stdout).toBe('');
    expect(manager.stderr).toMatch(/not found/i);
    expect(manager.stderr).not.toMatch(/forbidden|not allowed/i);

    const unknown = await as('manager', 'numbers', 'show', '+79990009999');
    expect(manager.stderr.replaceAll(line.msisdn, 'N')).toBe(unknown.stderr.replaceAll('+79990009999', 'N'));
  });

  it('lists for a manager only the groups of the Sales subtree', async () => {
    const r = await as('manager', 'groups', 'list', '--json');
    expect(r.code).toBe(0);
    const groups = parseJson<Group[]>(r.stdout);
    expect(groups.map((g) => g.id).sort()).toEqual([...salesGroups].sort());
  });

  it('refuses a viewer a token with more rights than it has, and creates nothing', async () => {
    const r = await as('viewer', 'tokens', 'create', '--name', 'x', '--scope', 'numbers:read,block:write');
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('block:write');
    const list = await as('viewer', 'tokens', 'list', '--json');
    expect(list.code).toBe(0);
    expect(parseJson<ApiToken[]>(list.stdout)).toEqual([]);
  });

  it('lets a viewer create a token within its rights', async () => {
    const r = await as('viewer', 'tokens', 'create', '--name', 'viewer-read', '--scope', 'numbers:read');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^vmt_\S+$/);
    const list = parseJson<ApiToken[]>((await as('viewer', 'tokens', 'list', '--json')).stdout);
    expect(list.map((t) => ({ name: t.name, scope: t.scope }))).toEqual([
      { name: 'viewer-read', scope: ['numbers:read'] },
    ]);
  });
});
