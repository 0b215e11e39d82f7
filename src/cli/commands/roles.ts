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
      { key: 'name', header: t('col.name') },
      { key: 'permissions', header: t('col.rights'), kind: 'list' },
      { key: 'users', header: t('col.users'), kind: 'number' },
      { key: 'description', header: t('col.description'), inTable: false },
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
      },
    ];
    await ctx.printRows((await ctx.client()).paginate('roles.permissions'), columns);
  });
}
