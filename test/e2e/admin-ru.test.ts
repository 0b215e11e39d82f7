import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminBackend } from '../support/admin-backend.js';
import { loginAs, makeConfigHome, runVm } from '../support/run-vm.js';

/** Every administration command once more, in Russian: the messages people read are Russian. */
describe('administration in Russian (VM_LANG=ru)', () => {
  const fixture = adminBackend({ testMode: true });
  const ru = (...args: string[]) =>
    runVm(args, { server: fixture.backend.url, configHome: fixture.config, env: { VM_LANG: 'ru' } });
  const outbox = async (to: string) => {
    const body = (await (await fetch(`${fixture.backend.url}/v1/test/outbox?recipient=${to}`)).json()) as {
      data: { text: string }[];
    };
    return /One-time password: (\S+)\./.exec(body.data[0]?.text ?? '')?.[1] ?? '';
  };

  it('speaks Russian through the users, roles, groups and password commands', async () => {
    const steps: [string[], RegExp][] = [
      [
        ['users', 'create', '--name', 'Анна', '--email', 'anna@demo.test'],
        /создан; приглашение с одноразовым паролем/,
      ],
      [['users', 'update', 'anna@demo.test', '--phone', '8 916 000-11-22'], /^$/],
      [['users', 'reset-password', 'anna@demo.test'], /Новый одноразовый пароль/],
      [['roles', 'create', 'Учёт', '--permissions', 'numbers:read,audit:read'], /Роль «Учёт» сохранена/],
      [['roles', 'update', 'Учёт', '--description', 'Только чтение'], /Роль «Учёт» сохранена/],
      [['users', 'grant', 'anna@demo.test', 'Учёт', '--group', 'it'], /теперь имеет роль Учёт/],
      [['users', 'revoke', 'anna@demo.test', 'Учёт', '--group', 'it'], /больше нет роли Учёт/],
      [['roles', 'delete', 'Учёт'], /Роль «Учёт» удалена/],
      [['users', 'disable', 'anna@demo.test', '--yes'], /отключён/],
      [['users', 'enable', 'anna@demo.test'], /включён/],
      [
        ['groups', 'create', 'Склад Казань', '--parent', 'warehouse'],
        /Группа Warehouse\/Склад Казань сохранена/,
      ],
      [['groups', 'rename', 'sklad-kazan', 'Склад Казань-2'], /сохранена/],
      [['groups', 'move', 'sklad-kazan', '--top-level'], /Группа Склад Казань-2 сохранена/],
      [['groups', 'delete', 'sklad-kazan'], /Группа sklad-kazan удалена/],
      [['users', 'show', 'nobody@demo.test'], /^vm: Нет пользователя «nobody@demo.test»$/m],
    ];
    for (const [args, pattern] of steps) {
      const r = await ru(...args);
      expect([args.join(' '), r.stderr.trim()]).toEqual([args.join(' '), expect.stringMatching(pattern)]);
    }
    for (const args of [
      ['users', 'list'],
      ['users', 'show', 'anna@demo.test'],
      ['roles', 'list'],
      ['roles', 'show', 'Viewer'],
      ['audit', '--limit', '3'],
    ]) {
      expect([args.join(' '), (await ru(...args)).code]).toEqual([args.join(' '), 0]);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-ru-'));
    fs.writeFileSync(path.join(dir, 'tree.csv'), 'путь\nФилиалы/Казань\n');
    expect((await ru('groups', 'import', path.join(dir, 'tree.csv'), '--dry-run')).stderr).toMatch(
      /Создать групп: 2/,
    );
    fs.rmSync(dir, { recursive: true, force: true });

    const anna = makeConfigHome();
    const oneTime = await outbox('anna@demo.test');
    await loginAs(fixture.backend.url, anna, 'anna@demo.test', oneTime);
    const changed = await runVm(['password', 'change', '--password-stdin'], {
      server: fixture.backend.url,
      configHome: anna,
      stdin: `${oneTime}\nсвой-пароль-1\n`,
      env: { VM_LANG: 'ru' },
    });
    expect(changed.stderr).toMatch(/Пароль изменён/);
  });
});
