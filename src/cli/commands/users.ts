import type { Command } from 'commander';
import type { User } from '../../api/auth.js';
import type { Context } from '../context.js';
import { limitOption, take, withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

/** vm users list|show. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const users = withExamples(program.command('users').description(t('cmd.users')), t, [
    'vm users list',
    'vm users show manager@demo.test',
  ]);
  const columns = (): Column<User>[] => [
    { key: 'id', header: t('col.id'), kind: 'number' },
    { key: 'name', header: t('col.name') },
    { key: 'email', header: t('col.email') },
    { key: 'phone', header: t('col.phone') },
    { key: 'status', header: t('col.status') },
    { key: 'locked', header: t('col.locked'), kind: 'bool' },
    {
      key: 'grants',
      header: t('col.rights'),
      kind: 'list',
      get: (u) => u.grants.map((g) => `${g.role} @ ${g.groupId ?? t('value.wholeCompany')}`),
    },
    { key: 'createdAt', header: t('col.created'), kind: 'time', inTable: false },
  ];
  withExamples(users.command('list').description(t('cmd.users.list')).addOption(limitOption(ctx)), t, [
    'vm users list',
    'vm users list --json',
  ]).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ limit?: number }>(cmd);
    const client = await ctx.client();
    await ctx.printRows(take(client.paginate('users.list'), o.limit), columns());
  });
  withExamples(users.command('show <user>').description(t('cmd.users.show')), t, [
    'vm users show manager@demo.test',
    'vm users show 2 --json',
  ]).action(async (user: string, _o, cmd: Command) => {
    ctx.use(cmd);
    await ctx.printObject(await (await ctx.client()).call('users.show', { params: { id: user } }), columns());
  });
}
