import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Group, Line } from '../../src/api/lines.js';
import { adminBackend } from '../support/admin-backend.js';
import { demo, loginAs, makeConfigHome, parseJson, runVm } from '../support/run-vm.js';

describe('groups: create, rename, move, delete, import (vm groups)', () => {
  const fixture = adminBackend();
  const admin = fixture.admin;
  const groups = async () => parseJson<Group[]>((await admin('groups', 'list', '--json')).stdout);

  it('creates, renames and moves a group, and never into its own subtree', async () => {
    const created = await admin('groups', 'create', 'Sales East', '--parent', 'sales', '--json');
    expect(created.code).toBe(0);
    expect(parseJson<Group>(created.stdout)).toMatchObject({
      id: 'sales-east',
      path: 'HQ/Sales/Sales East',
      parentId: 'sales',
    });
    expect((await admin('groups', 'rename', 'sales-east', 'Sales Far East')).code).toBe(0);
    expect((await admin('groups', 'move', 'sales-east', '--under', 'warehouse')).code).toBe(0);
    expect((await groups()).find((g) => g.id === 'sales-east')?.path).toBe('Warehouse/Sales Far East');
    const cycle = await admin('groups', 'move', 'warehouse', '--under', 'sales-east');
    expect(cycle.code).toBe(1);
    expect(cycle.stderr).toMatch(/own subtree/);
  });

  it('refuses to delete a group with numbers unless told where they go, in English and Russian', async () => {
    const before = parseJson<Line[]>((await admin('numbers', 'list', '--group', 'drivers', '--json')).stdout);
    expect(before.length).toBeGreaterThan(0);
    const refused = await admin('groups', 'delete', 'drivers');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--move-to/);
    const ru = await runVm(['groups', 'delete', 'drivers', '--lang', 'ru'], {
      server: fixture.backend.url,
      configHome: fixture.config,
    });
    expect(ru.stderr).toMatch(/не пуста/);
    expect((await admin('groups', 'delete', 'drivers', '--move-to', 'warehouse')).code).toBe(0);
    const after = parseJson<Line[]>(
      (await admin('numbers', 'list', '--group', 'warehouse', '--json')).stdout,
    );
    for (const n of before) expect(after.find((a) => a.msisdn === n.msisdn)?.groupId).toBe('warehouse');
    expect((await groups()).some((g) => g.id === 'drivers')).toBe(false);
  });

  it('imports a tree from a CSV of paths and numbers, creating what is missing', async () => {
    const lines = parseJson<Line[]>((await admin('numbers', 'list', '--group', 'it', '--json')).stdout).slice(
      0,
      2,
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-tree-'));
    const file = path.join(dir, 'tree.csv');
    fs.writeFileSync(
      file,
      `path;Номер телефона\nHQ/IT/Support;${lines[0]?.msisdn}\nHQ/IT/Support/Night;${lines[1]?.msisdn}\nBranches/Kazan;\n`,
    );
    try {
      const dry = await admin('groups', 'import', file, '--dry-run');
      expect(dry.code).toBe(0);
      expect(dry.stderr).toMatch(/4 groups to create, 2 numbers to move/);
      expect((await admin('groups', 'import', file)).code).toBe(2);
      const done = await admin('groups', 'import', file, '--yes');
      expect(done.code).toBe(0);
      const paths = (await groups()).map((g) => g.path);
      expect(paths).toEqual(
        expect.arrayContaining(['HQ/IT/Support', 'HQ/IT/Support/Night', 'Branches', 'Branches/Kazan']),
      );
      const moved = parseJson<Line>(
        (await admin('numbers', 'show', lines[1]?.msisdn ?? '', '--json')).stdout,
      );
      expect(moved.groupPath).toBe('HQ/IT/Support/Night');
      const again = await admin('groups', 'import', file, '--yes');
      expect(again.stderr).toMatch(/0 groups to create/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps groups:write to its holders: the manager gets exit 5', async () => {
    const managerConfig = makeConfigHome();
    await loginAs(fixture.backend.url, managerConfig, demo.manager.email, demo.manager.password);
    const r = await runVm(['groups', 'create', 'Mine', '--parent', 'sales'], {
      server: fixture.backend.url,
      configHome: managerConfig,
    });
    expect(r.code).toBe(5);
  });
});
