import fs from 'node:fs';
import path from 'node:path';
import type { Line } from '../../src/api/lines.js';
import { adminBackend } from '../support/admin-backend.js';
import { demo, loginAs, makeConfigHome, parseJson, runVm, type RunVmOptions } from '../support/run-vm.js';

/**
 * Which credential a run sends (docs/CLI.md, "Credentials"): an option on the command line beats the
 * environment, so `--profile manager` is the manager's session even with an admin's VM_TOKEN exported;
 * between variables VM_TOKEN beats VM_PROFILE.
 */
describe('credentials: --profile, VM_TOKEN, VM_PROFILE', () => {
  const fixture = adminBackend();
  /** The admin's API token, as a shell that ran an earlier script would still have it. */
  let adminToken: string;
  /** A config home with two profiles: the admin's session as "default", the manager's as "manager". */
  let home: string;
  const vm = (args: string[], env: RunVmOptions['env'] = {}) =>
    runVm(args, { server: fixture.backend.url, configHome: home, env });
  const groupsOf = (stdout: string) => new Set(parseJson<Line[]>(stdout).map((l) => l.groupId));

  beforeAll(async () => {
    const created = await fixture.admin('tokens', 'create', '--name', 'exported');
    expect(created.code).toBe(0);
    adminToken = created.stdout.trim();
    home = makeConfigHome();
    await loginAs(fixture.backend.url, home, demo.admin.email, demo.admin.password);
    const manager = await runVm(
      ['login', '--email', demo.manager.email, '--password-stdin', '--profile', 'manager'],
      { server: fixture.backend.url, configHome: home, stdin: `${demo.manager.password}\n` },
    );
    expect(manager.code).toBe(0);
  });

  it("uses the manager's session for --profile manager although VM_TOKEN holds the admin's token", async () => {
    const r = await vm(['numbers', 'list', '--json', '--profile', 'manager'], { VM_TOKEN: adminToken });
    expect(r.code).toBe(0);
    expect([...groupsOf(r.stdout)].sort()).toEqual([...demo.salesGroups].sort());
  });

  it("sends a --profile's session to that profile's server, never to a VM_SERVER set for something else", async () => {
    const elsewhere = 'http://127.0.0.1:9';
    const named = await vm(['numbers', 'list', '--json', '--profile', 'manager'], { VM_SERVER: elsewhere });
    expect(named.code).toBe(0);
    expect([...groupsOf(named.stdout)].sort()).toEqual([...demo.salesGroups].sort());
    // Without --profile the variable still chooses the server (and nothing answers there).
    const unnamed = await vm(['numbers', 'list', '--json'], { VM_SERVER: elsewhere, VM_PROFILE: 'manager' });
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toContain('127.0.0.1:9');
  });

  it('says which profile is not logged in, without pointing to VM_TOKEN that --profile beats', async () => {
    const r = await vm(['numbers', 'list', '--profile', 'nobody'], { VM_TOKEN: adminToken });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe('vm: Profile nobody is not logged in. Run: vm login --profile nobody\n');
  });

  it('lets VM_TOKEN beat VM_PROFILE, and VM_PROFILE beat the default profile', async () => {
    const token = await vm(['numbers', 'list', '--json'], { VM_TOKEN: adminToken, VM_PROFILE: 'manager' });
    expect(token.code).toBe(0);
    expect(parseJson<Line[]>(token.stdout)).toHaveLength(demo.lines);
    const profile = await vm(['numbers', 'list', '--json'], { VM_PROFILE: 'manager' });
    expect(profile.code).toBe(0);
    expect([...groupsOf(profile.stdout)].sort()).toEqual([...demo.salesGroups].sort());
  });

  it.each([
    {
      flags: ['--profile', 'manager'],
      token: true,
      email: demo.manager.email,
      said: 'session of profile manager (--profile)',
    },
    { flags: [], token: true, profile: 'manager', email: demo.admin.email, said: 'API token from VM_TOKEN' },
    {
      flags: [],
      token: false,
      profile: 'manager',
      email: demo.manager.email,
      said: 'session of profile manager (VM_PROFILE)',
    },
    { flags: [], token: false, email: demo.admin.email, said: 'session of profile default' },
  ])('says in whoami which credential is in use and where it came from: "$said"', async (c) => {
    const r = await vm(['whoami', ...c.flags], {
      VM_TOKEN: c.token ? adminToken : undefined,
      VM_PROFILE: c.profile,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(c.email);
    expect(r.stdout).toContain(c.said);
  });

  it('gives the credential in whoami --json as {kind, source, profile}', async () => {
    const json = (flags: string[], env: RunVmOptions['env']) =>
      vm(['whoami', '--json', ...flags], env).then(
        (r) => parseJson<{ credential: unknown }>(r.stdout).credential,
      );
    expect(await json(['--profile', 'manager'], { VM_TOKEN: adminToken })).toEqual({
      kind: 'session',
      source: '--profile',
      profile: 'manager',
    });
    expect(await json([], { VM_TOKEN: adminToken, VM_PROFILE: 'manager' })).toEqual({
      kind: 'token',
      source: 'VM_TOKEN',
    });
    expect(await json([], { VM_PROFILE: 'manager' })).toEqual({
      kind: 'session',
      source: 'VM_PROFILE',
      profile: 'manager',
    });
    expect(await json([], {})).toEqual({ kind: 'session', source: 'default', profile: 'default' });
  });

  it('says it in Russian', async () => {
    const token = await vm(['whoami', '--lang', 'ru'], { VM_TOKEN: adminToken });
    expect(token.stdout).toContain('API-токен из VM_TOKEN');
    const session = await vm(['whoami', '--lang', 'ru', '--profile', 'manager'], { VM_TOKEN: adminToken });
    expect(session.stdout).toContain('сеанс профиля manager (--profile)');
  });

  it("ends the profile's own session on logout, even with VM_TOKEN set", async () => {
    const own = makeConfigHome();
    await loginAs(fixture.backend.url, own, demo.viewer.email, demo.viewer.password);
    const file = path.join(own, 'vm', 'config.json');
    const stored = fs.readFileSync(file, 'utf8');
    const out = await runVm(['logout'], {
      server: fixture.backend.url,
      configHome: own,
      env: { VM_TOKEN: adminToken },
    });
    expect(out.code).toBe(0);
    // The session logged out is over in the backend, not only forgotten here.
    fs.writeFileSync(file, stored, { mode: 0o600 });
    const again = await runVm(['whoami'], { server: fixture.backend.url, configHome: own });
    expect(again.code).toBe(4);
  });

  it('tells a user who logs in with VM_TOKEN set that the token still wins without --profile', async () => {
    const own = makeConfigHome();
    const r = await runVm(['login', '--email', demo.viewer.email, '--password-stdin'], {
      server: fixture.backend.url,
      configHome: own,
      stdin: `${demo.viewer.password}\n`,
      env: { VM_TOKEN: adminToken },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/VM_TOKEN is set/);
    expect(r.stderr).toContain('--profile default');
    const quiet = await runVm(
      ['login', '--email', demo.viewer.email, '--password-stdin', '--profile', 'viewer'],
      {
        server: fixture.backend.url,
        configHome: own,
        stdin: `${demo.viewer.password}\n`,
        env: { VM_TOKEN: adminToken },
      },
    );
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toMatch(/VM_TOKEN/);
  });
});
