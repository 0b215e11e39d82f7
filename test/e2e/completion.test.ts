import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { vmBin } from '../support/backend-process.js';
import { adminBackend } from '../support/admin-backend.js';
import { demo, makeConfigHome, runVm } from '../support/run-vm.js';

/**
 * Tracker issue 15, "Completion and suggestions": the real vm asked by a shell at a TAB (`vm __complete`),
 * against a real backend: the account's tariff codes, groups and recent operations, its cache, and
 * silence when it cannot answer; and the generated scripts run in the shells that are installed.
 */

const hasShell = (name: string) => spawnSync(name, ['-c', 'true']).status === 0;

describe('completion against a backend', () => {
  const fixture = adminBackend();
  let cache: string;
  /** A dir holding `vm` (the built launcher) for the shells' PATH, and a file a shell could offer. */
  let bin: string;
  let cwd: string;

  beforeAll(() => {
    cache = makeConfigHome();
    bin = makeConfigHome();
    cwd = makeConfigHome();
    fs.symlinkSync(vmBin, path.join(bin, 'vm'));
    fs.writeFileSync(path.join(cwd, 'staff.csv'), 'msisdn\n');
  });

  /** `vm __complete KIND [PREFIX]` as the admin, with the cache in its own dir. */
  const complete = (...args: string[]) =>
    runVm(['__complete', ...args], {
      server: fixture.backend.url,
      configHome: fixture.config,
      env: { XDG_CACHE_HOME: cache },
    });
  const firstColumn = (stdout: string) =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]);

  /** The environment a shell completes in: the admin's session and cache, and vm on the PATH. */
  const shellEnv = () => ({
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    VM_SERVER: fixture.backend.url,
    XDG_CONFIG_HOME: fixture.config,
    XDG_CACHE_HOME: cache,
  });

  /** COMPREPLY of the generated bash script for `words` (the last one is at the cursor). */
  async function bashComplete(words: string[]): Promise<string[]> {
    const script = path.join(cwd, 'vm.bash');
    if (!fs.existsSync(script)) fs.writeFileSync(script, (await runVm(['completion', 'bash'])).stdout);
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const out = execFileSync(
      'bash',
      [
        '-c',
        `source '${script}'; COMP_WORDS=(${quoted}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _vm; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8', cwd, env: shellEnv() },
    );
    return out.split('\n').filter(Boolean);
  }

  it('prints the tariff codes of the catalog with their names, and those starting with a prefix', async () => {
    const all = await complete('tariffs');
    expect(all.code).toBe(0);
    expect(all.stderr).toBe('');
    expect(all.stdout).toMatch(/^SMART\tSmart$/m);
    expect(firstColumn(all.stdout)).toEqual(expect.arrayContaining(['SMART', 'SMART_PLUS', 'UNLIM']));
    const some = await complete('tariffs', 'SMART');
    expect(firstColumn(some.stdout).sort()).toEqual(['SMART', 'SMART_PLUS']);
  });

  it('prints the group ids with their paths', async () => {
    const r = await complete('groups', 'sales');
    expect(r.code).toBe(0);
    expect(firstColumn(r.stdout)).toEqual([...demo.salesGroups]);
    expect(r.stdout).toMatch(/^sales-north\t\S+\/Sales North$/m);
  });

  it('prints the recent operations, newest first, and one submitted since at once', async () => {
    const before = await complete('operations');
    expect(before).toMatchObject({ code: 0, stderr: '' });
    const block = await runVm(['block', '--group', 'drivers', '--reason', 'test', '--yes', '--no-wait'], {
      server: fixture.backend.url,
      configHome: fixture.config,
      env: { XDG_CACHE_HOME: cache },
    });
    expect(block.code).toBe(0);
    const id = block.stdout.trim();
    expect(id).toMatch(/^op_\w+$/);
    // within the minute the list is kept, but a change forgets it: the new operation is offered
    const after = await complete('operations');
    expect(firstColumn(after.stdout)[0]).toBe(id);
    expect(after.stdout).toMatch(
      new RegExp(`^${id}\\tnumber\\.block \\w+ \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d$`, 'm'),
    );
  });

  it('is silent, exit 0, when not logged in', async () => {
    const r = await runVm(['__complete', 'groups'], {
      server: fixture.backend.url,
      env: { XDG_CACHE_HOME: cache },
    });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  (hasShell('bash') ? it : it.skip)(
    'completes tariff codes, report types, groups and operations in bash, and no files for free text',
    async () => {
      expect(await bashComplete(['vm', 'tariff', 'set', ''])).toEqual(
        expect.arrayContaining(['SMART', 'SMART_PLUS', 'UNLIM']),
      );
      expect(await bashComplete(['vm', 'tariff', 'set', 'SMART_'])).toEqual(['SMART_PLUS']);
      expect(await bashComplete(['vm', 'report', ''])).toEqual(
        expect.arrayContaining(['expenses', 'usage', 'inventory', 'tariff-optimization']),
      );
      expect(await bashComplete(['vm', 'numbers', 'list', '--group', 'sales'])).toEqual([
        ...demo.salesGroups,
      ]);
      expect((await bashComplete(['vm', 'ops', 'show', 'op_'])).length).toBeGreaterThan(0);
      // free text: nothing, though the directory holds staff.csv
      expect(await bashComplete(['vm', 'block', '--reason', ''])).toEqual([]);
      expect(await bashComplete(['vm', 'appeal', 'create', '--subject', ''])).toEqual([]);
      expect(await bashComplete(['vm', 'appeal', 'create', '--reason', ''])).not.toContain('staff.csv');
      expect(await bashComplete(['vm', 'tariff', 'set', 'SMART', '--file', 'sta'])).toEqual(['staff.csv']);
    },
  );

  (hasShell('fish') ? it : it.skip)('completes tariff codes and groups in fish', async () => {
    const script = path.join(cwd, 'vm.fish');
    fs.writeFileSync(script, (await runVm(['completion', 'fish'])).stdout);
    const out = execFileSync(
      'fish',
      ['-c', `source '${script}'; complete -C 'vm tariff set '; complete -C 'vm block --group sales'`],
      { encoding: 'utf8', cwd, env: shellEnv() },
    );
    expect(out).toMatch(/^SMART_PLUS\tSmart Plus$/m);
    expect(out).toMatch(/^sales-south\t/m);
  });

  (hasShell('zsh') ? it : it.skip)('completes tariff codes in zsh', async () => {
    const script = path.join(cwd, 'vm.zsh');
    fs.writeFileSync(script, (await runVm(['completion', 'zsh'])).stdout);
    // zsh's completion builtins replaced by functions that print what they are given
    const stubs = 'compdef() { :; }; compset() { :; }; _describe() { print -rl -- "${(@P)${@[-1]}}"; }';
    const out = execFileSync(
      'zsh',
      ['-f', '-c', `${stubs}; source '${script}'; words=(vm tariff set ''); CURRENT=4; _vm`],
      { encoding: 'utf8', cwd, env: shellEnv() },
    );
    expect(out).toMatch(/^SMART_PLUS:Smart Plus$/m);
  });

  // Last: it stops the backend.
  it('answers from its cache within the TTL once the backend is gone, and is silent for what it never cached', async () => {
    const tariffs = await complete('tariffs');
    const groups = await complete('groups', 'sales-n');
    expect(firstColumn(groups.stdout)).toEqual(['sales-north']);
    await fixture.backend.stop();
    const started = Date.now();
    expect(await complete('tariffs')).toEqual(tariffs);
    expect(await complete('groups', 'sales-n')).toEqual(groups);
    expect(await complete('services')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
