import type { Command } from 'commander';
import type { PermissionInfo, Role } from '../../api/auth.js';
import type { Context } from '../context.js';
import type { MessageKey } from '../i18n/index.js';
import { withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

/** vm roles list|permissions. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const roles = withExamples(program.command('roles').description(t('cmd.roles')), t, [
    'vm roles list',
    'vm roles permissions',
  ]);
  withExamples(roles.command('list').description(t('cmd.roles.list')), t, [
    'vm roles list',
    'vm roles list --json',
  ]).action(async (_o, cmd: Command) => {
    ctx.use(cmd);
    const columns: Column<Role>[] = [
      { key: 'name', header: t('col.name'), freeText: true },
      { key: 'permissions', header: t('col.rights'), kind: 'list' },
      { key: 'users', header: t('col.users'), kind: 'number' },
      { key: 'builtin', header: t('col.builtin'), kind: 'bool' },
      { key: 'description', header: t('col.description'), inTable: false, freeText: true },
    ];
    await ctx.printRows((await ctx.client()).paginate('roles.list'), columns);
  });
  withExamples(roles.command('permissions').description(t('cmd.roles.permissions')), t, [
    'vm roles permissions',
    'vm roles permissions --json',
  ]).action(async (_o, cmd: Command) => {
    ctx.use(cmd);
    const columns: Column<PermissionInfo>[] = [
      { key: 'name', header: t('col.name') },
      {
        key: 'description',
        header: t('col.description'),
        get: (p) => (ctx.lang === 'en' ? p.description : t(`perm.${p.name}` as MessageKey)),
        freeText: true,
      },
    ];
    await ctx.printRows((await ctx.client()).paginate('roles.permissions'), columns);
  });
  withExamples(roles.command('show <name>').description(t('cmd.roles.show')), t, [
    'vm roles show "Sales manager"',
    'vm roles show Viewer --json',
  ]).action(async (name: string, _o, cmd: Command) => {
    ctx.use(cmd);
    const all = [];
    for await (const r of (await ctx.client()).paginate('roles.list')) all.push(r);
    const role = all.find((r) => r.name.toLowerCase() === name.toLowerCase());
    if (!role) {
      const { CliError } = await import('../errors.js');
      throw new CliError(t('err.notFound', { detail: t('reason.role_not_found', { role: name }) }), 1);
    }
    await ctx.printObject(role, roleColumns());
  });
  const list = (v: string) =>
    v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  withExamples(
    roles
      .command('create <name>')
      .description(t('cmd.roles.create'))
      .requiredOption('--permissions <list>', t('opt.rolePermissions'), list)
      .option('--description <text>', t('opt.roleDescription')),
    t,
    [
      'vm roles create "Block officer" --permissions numbers:read,block:write',
      'vm roles create Accountant --permissions numbers:read,money:read,reports:read --description "Reads money"',
    ],
  ).action(async (name: string, _o, cmd: Command) => {
    const o = ctx.use<{ permissions: string[]; description?: string }>(cmd);
    const role = await (
      await ctx.client()
    ).call('roles.create', {
      body: { name, permissions: o.permissions, description: o.description },
    });
    ctx.note(t('msg.roleSaved', { name: role.name }));
    await ctx.printObject(role, roleColumns());
  });
  withExamples(
    roles
      .command('update <name>')
      .description(t('cmd.roles.update'))
      .option('--permissions <list>', t('opt.rolePermissions'), list)
      .option('--description <text>', t('opt.roleDescription')),
    t,
    [
      'vm roles update "Block officer" --permissions numbers:read,block:write,audit:read',
      'vm roles update Viewer --description "Read only"',
    ],
  ).action(async (name: string, _o, cmd: Command) => {
    const o = ctx.use<{ permissions?: string[]; description?: string }>(cmd);
    const role = await (
      await ctx.client()
    ).call('roles.update', {
      params: { name },
      body: { permissions: o.permissions, description: o.description },
    });
    ctx.note(t('msg.roleSaved', { name: role.name }));
    await ctx.printObject(role, roleColumns());
  });
  withExamples(roles.command('delete <name>').description(t('cmd.roles.delete')), t, [
    'vm roles delete "Block officer"',
    'vm roles delete Temp --lang ru',
  ]).action(async (name: string, _o, cmd: Command) => {
    ctx.use(cmd);
    await (await ctx.client()).call('roles.delete', { params: { name } });
    ctx.note(t('msg.roleDeleted', { name }));
  });

  function roleColumns(): Column<Role>[] {
    return [
      { key: 'name', header: t('col.name'), freeText: true },
      { key: 'permissions', header: t('col.rights'), kind: 'list' },
      { key: 'users', header: t('col.users'), kind: 'number' },
      { key: 'builtin', header: t('col.builtin'), kind: 'bool' },
      { key: 'description', header: t('col.description'), freeText: true },
    ];
  }
}
