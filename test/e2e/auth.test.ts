import fs from 'node:fs';
import path from 'node:path';
import type { LoginRecord } from '../../src/api/auth.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { demo, loginAs, makeConfigHome, parseJson, removeTempDirs, runVm } from '../support/run-vm.js';

const CYRILLIC = /[а-яё]/i;

describe('vm login, logout, whoami, sessions', () => {
  let backend: BackendProcess;
  let server: string;

  beforeAll(async () => {
    backend = await startBackendProcess();
    server = backend.url;
  });

  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
  });

  it('logs in by e-mail with --password-stdin: exit 0, a message on stderr, nothing secret on stdout', async () => {
    const configHome = makeConfigHome();
    const r = await runVm(['login', '--email', demo.admin.email, '--password-stdin'], {
      server,
      configHome,
      stdin: `${demo.admin.password}\n`,
    });
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toContain(demo.admin.email);
    expect(r.stderr).not.toContain(demo.admin.password);
    expect(r.stderr).not.toMatch(/vms_/);
  });

  it('logs in by phone written the Russian way, 8 (999) 000-00-01', async () => {
    const configHome = makeConfigHome();
    const r = await runVm(['login', '--phone', '8 (999) 000-00-01', '--password-stdin'], {
      server,
      configHome,
      stdin: demo.admin.password,
    });
    expect(r.stderr).toContain(demo.admin.email);
    expect(r.code).toBe(0);
    const who = await runVm(['whoami', '--json'], { server, configHome });
    expect(who.code).toBe(0);
    expect(parseJson<{ email: string }>(who.stdout).email).toBe(demo.admin.email);
  });

  it('shows the logged-in user with whoami', async () => {
    const configHome = makeConfigHome();
    await loginAs(server, configHome, demo.admin.email, demo.admin.password);
    const r = await runVm(['whoami'], { server, configHome });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(demo.admin.email);
    expect(r.stdout).toContain(demo.admin.phone);
    const json = await runVm(['whoami', '--json'], { server, configHome });
    expect(parseJson<{ email: string; via: string }>(json.stdout)).toMatchObject({
      email: demo.admin.email,
      via: 'session',
    });
  });

  it('exits 4 without a login and tells the user to run vm login', async () => {
    const r = await runVm(['numbers', 'list'], { server });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('vm login');
  });

  it('refuses to ask for a password without a terminal: exit 2, and it never hangs', async () => {
    const started = Date.now();
    const r = await runVm(['login', '--email', demo.admin.email], { server, timeoutMs: 10_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--password-stdin');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses a login without an e-mail or phone when there is no terminal to ask on: exit 2', async () => {
    const r = await runVm(['login', '--password-stdin'], { server, stdin: 'x\n', timeoutMs: 10_000 });
    expect(r.code).toBe(2);
  });

  it('locks the account on the 5th wrong password and refuses even the right one afterwards', async () => {
    const configHome = makeConfigHome();
    const attempt = (password: string) =>
      runVm(['login', '--email', demo.manager.email, '--password-stdin'], {
        server,
        configHome,
        stdin: password,
      });
    for (let i = 1; i <= 4; i++) {
      const r = await attempt(`wrong-${i}`);
      expect(r.code).toBe(4);
      expect(r.stderr).not.toMatch(/locked until/i);
    }
    const fifth = await attempt('wrong-5');
    expect(fifth.code).toBe(4);
    expect(fifth.stderr).toMatch(/locked/i);
    const sixth = await attempt(demo.manager.password);
    expect(sixth.code).toBe(4);
    expect(sixth.stderr).toMatch(/locked/i);
    const stored = fs.existsSync(path.join(configHome, 'vm', 'config.json')) ? readConfig(configHome) : '';
    expect(stored).not.toMatch(/vms_/);
  });

  it('forgets the session on logout: numbers list then exits 4', async () => {
    const configHome = makeConfigHome();
    await loginAs(server, configHome, demo.admin.email, demo.admin.password);
    expect((await runVm(['numbers', 'list', '--limit', '1'], { server, configHome })).code).toBe(0);
    const out = await runVm(['logout'], { server, configHome });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('');
    const r = await runVm(['numbers', 'list'], { server, configHome });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('vm login');
    expect(readConfig(configHome)).not.toMatch(/vms_/);
  });

  it('lists successful and failed logins in sessions: TSV with a header when piped, JSON with success flags', async () => {
    const configHome = makeConfigHome();
    const failed = await runVm(['login', '--email', demo.viewer.email, '--password-stdin'], {
      server,
      configHome,
      stdin: 'not-the-password\n',
    });
    expect(failed.code).toBe(4);
    await loginAs(server, configHome, demo.viewer.email, demo.viewer.password);

    const tsv = await runVm(['sessions'], { server, configHome });
    expect(tsv.code).toBe(0);
    const lines = tsv.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^time\t/);
    expect(lines[0]?.split('\t')).toEqual(expect.arrayContaining(['success', 'login', 'ip']));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(tsv.stdout).not.toContain('\x1b[');

    const json = await runVm(['sessions', '--json'], { server, configHome });
    expect(json.code).toBe(0);
    const records = parseJson<LoginRecord[]>(json.stdout);
    expect(Array.isArray(records)).toBe(true);
    for (const rec of records) expect(typeof rec.success).toBe('boolean');
    expect(records.filter((rec) => rec.success).length).toBeGreaterThanOrEqual(1);
    expect(records.filter((rec) => !rec.success).length).toBeGreaterThanOrEqual(1);
    expect(json.stdout).not.toContain('not-the-password');
  });

  it('keeps the config file private (mode 0600) and never stores the password in it', async () => {
    const configHome = makeConfigHome();
    await loginAs(server, configHome, demo.admin.email, demo.admin.password);
    const file = path.join(configHome, 'vm', 'config.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = readConfig(configHome);
    expect(text).not.toContain(demo.admin.password);
    expect(text).toContain(server);
  });

  it('speaks Russian with --lang ru', async () => {
    const r = await runVm(['numbers', 'list', '--lang', 'ru'], { server });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(CYRILLIC);
    expect(r.stderr).toContain('vm login');
  });

  it('speaks Russian with VM_LANG=ru', async () => {
    const r = await runVm(['numbers', 'list'], { server, env: { VM_LANG: 'ru' } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(CYRILLIC);
    expect(r.stderr).toContain('vm login');
  });

  it('speaks English by default', async () => {
    const r = await runVm(['numbers', 'list'], { server });
    expect(r.stderr).not.toMatch(CYRILLIC);
  });
});

function readConfig(configHome: string): string {
  return fs.readFileSync(path.join(configHome, 'vm', 'config.json'), 'utf8');
}
