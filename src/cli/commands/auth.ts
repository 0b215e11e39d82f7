import path from 'node:path';
import type { Command } from 'commander';
import type { LoginRecord, Me } from '../../api/auth.js';
import type { Context, Credential } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { limitOption, take, withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

/** login, logout, whoami, sessions. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  withExamples(
    program
      .command('login')
      .description(t('cmd.login'))
      .option('--email <address>', t('cmd.login.email'))
      .option('--phone <number>', t('cmd.login.phone'))
      .option('--password-stdin', t('cmd.login.passwordStdin')),
    t,
    [
      'vm login',
      'vm login --email admin@demo.test --password-stdin < ~/.vm-password',
      "printf '%s' \"$VM_PASSWORD\" | vm login --phone '+7 999 000-00-01' --password-stdin",
    ],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ email?: string; phone?: string; passwordStdin?: boolean }>(cmd);
    let login = o.email ?? o.phone;
    if (!login) {
      if (!ctx.canPrompt) throw new UsageError(t('err.loginMissing'));
      const { input } = await import('@inquirer/prompts');
      login = await input({ message: t('msg.login') }, { output: ctx.io.stderr as NodeJS.WritableStream });
    }
    const password = await readPassword(ctx, Boolean(o.passwordStdin));
    const client = await ctx.client('none');
    const server = await ctx.server();
    const result = await client.call('auth.login', {
      body: { login: login.trim(), password, client: `vm/${process.versions.node}` },
    });
    const config = await ctx.config();
    // The CA this login trusted (--ca, VM_CA, or the one remembered) is remembered for this server, so
    // later commands of the profile need no --ca; a login without one forgets an old one.
    const ca = await ctx.caFile(server);
    await config.update({
      server,
      token: result.token,
      login: result.user.email,
      ca: ca ? path.resolve(ca.file) : undefined,
    });
    await ctx.forgetClient();
    if (result.user.mustChangePassword) {
      if (!ctx.canPrompt) {
        ctx.note(t('msg.oneTimePasswordScript'));
      } else {
        const { changePasswordInteractively } = await import('./password.js');
        await changePasswordInteractively(ctx, password, 'session');
      }
    }
    if ((await ctx.format()) === 'json') await ctx.printObject(result.user, []);
    ctx.note(
      t('msg.loggedIn', {
        name: result.user.name,
        email: result.user.email,
        server,
        minutes: Math.round(result.idleTimeoutSeconds / 60),
      }),
    );
    // Logged in, and yet the next command would act as someone else: say so now rather than then.
    if (ctx.credential.kind === 'token') ctx.note(t('msg.tokenBeatsSession', { profile: ctx.profileName }));
  });

  withExamples(program.command('logout').description(t('cmd.logout')), t, [
    'vm logout',
    'vm logout --profile staging',
  ]).action(async (_o, cmd: Command) => {
    ctx.use(cmd);
    const config = await ctx.config();
    if (!config.profile.token) {
      ctx.note(t('msg.notLoggedIn'));
      return;
    }
    try {
      await (await ctx.client('session')).call('auth.logout');
    } catch (err) {
      // An expired or ended session is as good as logged out; anything else is worth reporting.
      if ((err as { status?: number }).status !== 401) throw err;
    } finally {
      await config.update({ token: undefined });
    }
    ctx.note(t('msg.loggedOut'));
  });

  withExamples(program.command('whoami').description(t('cmd.whoami')), t, [
    'vm whoami',
    'vm whoami --json',
  ]).action(async (_o, cmd: Command) => {
    ctx.use(cmd);
    const me = await (await ctx.client()).call('me.show');
    const server = await ctx.server();
    const credential = ctx.credential;
    const columns: Column<Me & { credential: Credential }>[] = [
      { key: 'name', header: t('col.name'), freeText: true },
      { key: 'email', header: t('col.email'), freeText: true },
      { key: 'phone', header: t('col.phone') },
      { key: 'company', header: t('col.company'), freeText: true },
      {
        key: 'via',
        header: t('col.via'),
        get: (m) => (m.tokenName ? `token ${m.tokenName}` : m.via),
        freeText: true,
      },
      {
        key: 'credential',
        header: t('col.credential'),
        get: () =>
          credential.kind === 'token'
            ? t('value.credentialToken', { source: credential.source })
            : t(credential.source === 'default' ? 'value.credentialSession' : 'value.credentialSessionFrom', {
                profile: credential.profile,
                source: credential.source,
              }),
        freeText: true,
      },
      { key: 'server', header: t('col.server'), get: () => server },
      {
        key: 'grants',
        header: t('col.rights'),
        kind: 'list',
        get: (m) =>
          m.grants.map(
            (g) => `${g.role} @ ${g.groupId ?? t('value.wholeCompany')}: ${g.permissions.join(' ')}`,
          ),
        freeText: true,
      },
    ];
    await ctx.printObject({ ...me, credential }, columns);
  });

  withExamples(program.command('sessions').description(t('cmd.sessions')).addOption(limitOption(ctx)), t, [
    'vm sessions',
    'vm sessions --limit 20 --csv > logins.csv',
  ]).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ limit?: number }>(cmd);
    const client = await ctx.client();
    const columns: Column<LoginRecord>[] = [
      { key: 'time', header: t('col.time'), kind: 'time' },
      { key: 'ip', header: t('col.ip') },
      { key: 'client', header: t('col.client'), freeText: true },
      { key: 'login', header: t('col.login'), freeText: true },
      { key: 'success', header: t('col.result'), kind: 'bool' },
      { key: 'reason', header: t('col.description'), freeText: true },
      { key: 'current', header: t('value.current'), kind: 'bool' },
    ];
    await ctx.printRows(
      take(client.paginate('sessions.list', {}, Math.min(o.limit ?? 1000, 1000)), o.limit),
      columns,
    );
  });
}

/** The password from stdin (--password-stdin) or a hidden prompt; never from argv. */
async function readPassword(ctx: Context, fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.io.stdin) chunks.push(Buffer.from(chunk as Buffer));
    const text = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (!text) throw new UsageError(ctx.t('err.passwordStdinEmpty'));
    return text;
  }
  if (!ctx.canPrompt) throw new CliError(ctx.t('err.passwordNeedsStdin'), 2);
  const { password } = await import('@inquirer/prompts');
  return password(
    { message: ctx.t('msg.password'), mask: '*' },
    { output: ctx.io.stderr as NodeJS.WritableStream },
  );
}
