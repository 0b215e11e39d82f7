import type { User } from '../../src/api/auth.js';
import { adminBackend } from '../support/admin-backend.js';
import { loginAs, makeConfigHome, parseJson, runVm } from '../support/run-vm.js';

/** The newest one-time password sent to `recipient`, read from the backend's outbox (test mode). */
async function oneTimePassword(url: string, recipient: string): Promise<string> {
  const res = await fetch(`${url}/v1/test/outbox?recipient=${encodeURIComponent(recipient)}`);
  const body = (await res.json()) as { data: { text: string }[] };
  const match = /One-time password: (\S+)\./.exec(body.data[0]?.text ?? '');
  if (!match?.[1]) throw new Error(`no one-time password for ${recipient}: ${JSON.stringify(body)}`);
  return match[1];
}

describe('inviting a user: one-time password, change at first login (vm users create, vm password change)', () => {
  const fixture = adminBackend({ testMode: true });
  const admin = fixture.admin;

  it('invites, forces a password change, then lets the user work with the rights granted', async () => {
    const created = await admin(
      'users',
      'create',
      '--name',
      'Ольга Петрова',
      '--email',
      'olga@demo.test',
      '--phone',
      '8 916 555-11-22',
      '--json',
    );
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(/invitation with a one-time password is in the outbox/);
    expect(created.stdout + created.stderr).not.toMatch(/One-time password:/);
    expect(parseJson<User>(created.stdout)).toMatchObject({
      email: 'olga@demo.test',
      phone: '+79165551122',
      mustChangePassword: true,
    });
    expect((await admin('users', 'grant', 'olga@demo.test', 'Viewer', '--company')).code).toBe(0);

    const first = await oneTimePassword(fixture.backend.url, 'olga@demo.test');
    const olgaConfig = makeConfigHome();
    const olga = (args: string[], stdin?: string, lang?: string) =>
      runVm(args, {
        server: fixture.backend.url,
        configHome: olgaConfig,
        stdin,
        env: lang ? { VM_LANG: lang } : {},
      });
    const login = await olga(['login', '--email', 'olga@demo.test', '--password-stdin'], `${first}\n`);
    expect(login.code).toBe(0);
    expect(login.stderr).toMatch(/vm password change --password-stdin/);
    const blocked = await olga(['numbers', 'list', '--limit', '1']);
    expect(blocked.code).toBe(4);
    expect(blocked.stderr).toMatch(/one-time password/);
    const blockedRu = await olga(['numbers', 'list', '--limit', '1'], undefined, 'ru');
    expect(blockedRu.stderr).toMatch(/одноразовым паролем/);

    const wrong = await olga(['password', 'change', '--password-stdin'], `not-it\nnew-secret-1\n`);
    expect(wrong.code).toBe(2);
    const changed = await olga(['password', 'change', '--password-stdin'], `${first}\nnew-secret-1\n`);
    expect(changed.code).toBe(0);
    expect((await olga(['numbers', 'list', '--limit', '1'])).code).toBe(0);
    expect((await olga(['tariff', 'set', 'SMART', '+79990000001', '--yes'])).code).toBe(5);
  });

  it('resets a password: sessions end, a new one-time password arrives', async () => {
    const olgaConfig = makeConfigHome();
    await loginAs(fixture.backend.url, olgaConfig, 'olga@demo.test', 'new-secret-1');
    expect((await admin('users', 'reset-password', 'olga@demo.test')).code).toBe(0);
    const after = await runVm(['whoami'], { server: fixture.backend.url, configHome: olgaConfig });
    expect(after.code).toBe(4);
    const again = await oneTimePassword(fixture.backend.url, '+79165551122');
    await loginAs(fixture.backend.url, olgaConfig, 'olga@demo.test', again);
    expect(
      (await runVm(['numbers', 'list'], { server: fixture.backend.url, configHome: olgaConfig })).code,
    ).toBe(4);
  });

  it('refuses --show-password without a terminal and a second user with the same e-mail', async () => {
    const show = await admin('users', 'create', '--name', 'X', '--email', 'x@demo.test', '--show-password');
    expect(show.code).toBe(2);
    const dup = await admin('users', 'create', '--name', 'Olga again', '--email', 'OLGA@demo.test');
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/Another user has this e-mail or phone/);
    const updated = await admin('users', 'update', 'olga@demo.test', '--name', 'Ольга Иванова', '--json');
    expect(parseJson<User>(updated.stdout).name).toBe('Ольга Иванова');
  });
});
