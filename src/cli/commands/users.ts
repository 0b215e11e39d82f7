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
    { key: 'name', header: t('col.name'), freeText: true },
    { key: 'email', header: t('col.email'), freeText: true },
    { key: 'phone', header: t('col.phone') },
    { key: 'status', header: t('col.status') },
    { key: 'locked', header: t('col.locked'), kind: 'bool' },
    {
      key: 'grants',
      header: t('col.rights'),
      kind: 'list',
      get: (u) => u.grants.map((g) => `${g.role} @ ${g.groupId ?? t('value.wholeCompany')}`),
      freeText: true,
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
  for (const verb of ['disable', 'enable'] as const) {
    const cmd = users
      .command(`${verb} <user>`)
      .description(t(verb === 'disable' ? 'cmd.users.disable' : 'cmd.users.enable'))
      .option('-y, --yes', t('opt.yes'));
    withExamples(cmd, t, [
      `vm users ${verb} manager@demo.test --yes`,
      `vm users ${verb} 2 --yes --json`,
    ]).action(async (user: string, _o, c: Command) => {
      const o = ctx.use<{ yes?: boolean }>(c);
      const refusal = t('change.needsYesOne', { type: 'users disable' });
      if (
        verb === 'disable' &&
        !o.yes &&
        !(await ctx.confirm(() => t('msg.confirmDisable', { user }), refusal))
      ) {
        return;
      }
      const result = await (
        await ctx.client()
      ).call(verb === 'disable' ? 'users.disable' : 'users.enable', {
        params: { id: user },
      });
      ctx.note(t(verb === 'disable' ? 'msg.userDisabled' : 'msg.userEnabled', { email: result.email }));
      if (ctx.opts.json) await ctx.printObject(result, columns());
    });
  }
  for (const verb of ['grant', 'revoke'] as const) {
    const cmd = users
      .command(`${verb} <user> <role>`)
      .description(t(verb === 'grant' ? 'cmd.users.grant' : 'cmd.users.revoke'))
      .option('--group <group>', t('opt.grantGroup'))
      .option('--company', t('opt.grantCompany'));
    withExamples(cmd, t, [
      `vm users ${verb} manager@demo.test "Sales manager" --group sales-north`,
      `vm users ${verb} viewer@demo.test Viewer --company`,
    ]).action(async (user: string, role: string, _o, c: Command) => {
      const o = ctx.use<{ group?: string; company?: boolean }>(c);
      if (Boolean(o.group) === Boolean(o.company)) {
        const { UsageError } = await import('../errors.js');
        throw new UsageError(t('err.groupOrCompany'));
      }
      const result = await (
        await ctx.client()
      ).call(verb === 'grant' ? 'users.grant' : 'users.revoke', {
        params: { id: user },
        body: o.group ? { role, group: o.group } : { role, company: true },
      });
      ctx.note(
        t(verb === 'grant' ? 'msg.granted' : 'msg.revoked', {
          role,
          user: result.email,
          scope: o.group ?? t('value.wholeCompany'),
        }),
      );
      await ctx.printObject(result, columns());
    });
  }
  const printInvitation = async (
    inv: import('../../api/auth.js').Invitation,
    key: 'msg.userCreated' | 'msg.passwordReset',
  ) => {
    ctx.note(t(key, { email: inv.user.email }));
    if (inv.oneTimePassword) ctx.io.stderr.write(`${t('msg.oneTimePassword')}: ${inv.oneTimePassword}\n`);
    await ctx.printObject(inv.user, columns());
  };
  const showPasswordAllowed = async (show?: boolean) => {
    if (show && !ctx.io.stderrIsTTY) {
      const { UsageError } = await import('../errors.js');
      throw new UsageError(t('err.showPasswordTty'));
    }
    return Boolean(show);
  };
  withExamples(
    users
      .command('create')
      .description(t('cmd.users.create'))
      .requiredOption('--name <name>', t('opt.userName'))
      .requiredOption('--email <address>', t('opt.userEmail'))
      .option('--phone <number>', t('opt.userPhone'))
      .option('--show-password', t('opt.showPassword')),
    t,
    [
      'vm users create --name "Ольга Петрова" --email o.petrova@romashka.ru --phone "8 916 555-11-22"',
      'vm users create --name "Ivan Test" --email ivan@romashka.ru && vm users grant ivan@romashka.ru Viewer --company',
    ],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ name: string; email: string; phone?: string; showPassword?: boolean }>(cmd);
    const showPassword = await showPasswordAllowed(o.showPassword);
    const inv = await (
      await ctx.client()
    ).call('users.create', {
      body: { name: o.name, email: o.email, ...(o.phone ? { phone: o.phone } : {}), showPassword },
    });
    await printInvitation(inv, 'msg.userCreated');
  });
  withExamples(
    users
      .command('update <user>')
      .description(t('cmd.users.update'))
      .option('--name <name>', t('opt.userName'))
      .option('--email <address>', t('opt.userEmail'))
      .option('--phone <number>', t('opt.userPhone')),
    t,
    [
      'vm users update o.petrova@romashka.ru --phone "+7 916 555-11-23"',
      'vm users update 4 --name "Ольга Иванова"',
    ],
  ).action(async (user: string, _o, cmd: Command) => {
    const o = ctx.use<{ name?: string; email?: string; phone?: string }>(cmd);
    const updated = await (
      await ctx.client()
    ).call('users.update', {
      params: { id: user },
      body: { name: o.name, email: o.email, phone: o.phone },
    });
    await ctx.printObject(updated, columns());
  });
  withExamples(
    users
      .command('reset-password <user>')
      .description(t('cmd.users.resetPassword'))
      .option('--show-password', t('opt.showPassword')),
    t,
    ['vm users reset-password o.petrova@romashka.ru', 'vm users reset-password 4 --show-password'],
  ).action(async (user: string, _o, cmd: Command) => {
    const o = ctx.use<{ showPassword?: boolean }>(cmd);
    const showPassword = await showPasswordAllowed(o.showPassword);
    const inv = await (
      await ctx.client()
    ).call('users.resetPassword', { params: { id: user }, body: { showPassword } });
    await printInvitation(inv, 'msg.passwordReset');
  });
}
