import fs from 'node:fs';
import type { ApiToken, Me } from '../../src/api/auth.js';
import type { Line } from '../../src/api/lines.js';
import { adminBackend } from '../support/admin-backend.js';
import { demo, makeConfigHome, parseJson, runVm, type RunVmOptions } from '../support/run-vm.js';

const DAY_MS = 86_400_000;

describe('API tokens for scripts (VM_TOKEN)', () => {
  const fixture = adminBackend();
  const admin = fixture.admin;
  let cronToken: string;
  /** vm with only VM_TOKEN: an empty XDG_CONFIG_HOME that must stay empty. */
  const withToken = (token: string, args: string[], opts: RunVmOptions = {}) =>
    runVm(args, { server: fixture.backend.url, ...opts, env: { VM_TOKEN: token, ...opts.env } });

  beforeAll(async () => {
    const created = await admin('tokens', 'create', '--name', 'cron', '--scope', 'numbers:read');
    expect(created.code).toBe(0);
    cronToken = created.stdout.trim();
  });

  it('prints only the new token on stdout, and the notice on stderr', async () => {
    expect(cronToken).toMatch(/^vmt_\S+$/);
    const r = await admin('tokens', 'create', '--name', 'second', '--scope', 'numbers:read');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^vmt_\S+\n$/);
    expect(r.stderr).toContain('second');
    expect(r.stderr).not.toContain(r.stdout.trim());
  });

  it('runs numbers list and whoami with VM_TOKEN alone, without creating a config file', async () => {
    const configHome = makeConfigHome();
    const list = await withToken(cronToken, ['numbers', 'list', '--json'], { configHome });
    expect(list.code).toBe(0);
    expect(parseJson<Line[]>(list.stdout)).toHaveLength(demo.lines);

    const who = await withToken(cronToken, ['whoami'], { configHome });
    expect(who.code).toBe(0);
    expect(who.stdout).toContain(demo.admin.email);
    expect(who.stdout).toContain('cron');
    const json = await withToken(cronToken, ['whoami', '--json'], { configHome });
    expect(parseJson<Me>(json.stdout)).toMatchObject({
      email: demo.admin.email,
      via: 'token',
      tokenName: 'cron',
    });

    expect(fs.readdirSync(configHome)).toEqual([]);
  });

  it('never shows the token itself in whoami or in verbose output', async () => {
    const r = await withToken(cronToken, ['whoami', '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(cronToken);
  });

  it('cannot do what its scope lacks: a token with more rights is refused with exit 5', async () => {
    const r = await withToken(cronToken, [
      'tokens',
      'create',
      '--name',
      'escalate',
      '--scope',
      'numbers:read,block:write',
    ]);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    const names = parseJson<ApiToken[]>((await admin('tokens', 'list', '--json')).stdout).map((t) => t.name);
    expect(names).not.toContain('escalate');
  });

  it('lists the token with its scope in tokens list', async () => {
    const tsv = await admin('tokens', 'list');
    expect(tsv.code).toBe(0);
    expect(tsv.stdout.split('\n')[0]).toMatch(/^id\t/);
    expect(tsv.stdout).toContain('cron');
    expect(tsv.stdout).not.toContain(cronToken);
    const tokens = parseJson<ApiToken[]>((await admin('tokens', 'list', '--json')).stdout);
    expect(tokens.find((t) => t.name === 'cron')).toMatchObject({ scope: ['numbers:read'], revokedAt: null });
  });

  it('sets the expiry about 90 days ahead with --expires 90d', async () => {
    const before = Date.now();
    const r = await admin(
      'tokens',
      'create',
      '--name',
      'quarterly',
      '--scope',
      'numbers:read',
      '--expires',
      '90d',
    );
    expect(r.code).toBe(0);
    const tokens = parseJson<ApiToken[]>((await admin('tokens', 'list', '--json')).stdout);
    const expiresAt = Date.parse(tokens.find((t) => t.name === 'quarterly')?.expiresAt ?? '');
    expect(expiresAt).toBeGreaterThanOrEqual(before + 90 * DAY_MS - 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 90 * DAY_MS + 60_000);
  });

  it('refuses --expires nonsense with exit 2 and creates nothing', async () => {
    const r = await admin('tokens', 'create', '--name', 'never', '--expires', 'nonsense');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('nonsense');
    const names = parseJson<ApiToken[]>((await admin('tokens', 'list', '--json')).stdout).map((t) => t.name);
    expect(names).not.toContain('never');
  });

  it('stops accepting a revoked token: exit 4', async () => {
    const created = await admin('tokens', 'create', '--name', 'short-lived', '--scope', 'numbers:read');
    const token = created.stdout.trim();
    expect((await withToken(token, ['numbers', 'list', '--limit', '1'])).code).toBe(0);

    const revoke = await admin('tokens', 'revoke', 'short-lived');
    expect(revoke.code).toBe(0);
    expect(revoke.stderr).toContain('short-lived');

    const r = await withToken(token, ['numbers', 'list']);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    const tokens = parseJson<ApiToken[]>((await admin('tokens', 'list', '--json')).stdout);
    expect(tokens.find((t) => t.name === 'short-lived')?.revokedAt).toEqual(expect.any(String));
  });

  it('stops accepting the cron token after tokens revoke cron', async () => {
    const revoke = await admin('tokens', 'revoke', 'cron');
    expect(revoke.code).toBe(0);
    const r = await withToken(cronToken, ['whoami']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/token/i);
  });
});
