import type { Command } from 'commander';
import type { ClientAuth, Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { withExamples } from '../command-options.js';

/** vm password change: replace a one-time password (or any password) with your own. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const password = withExamples(program.command('password').description(t('cmd.password')), t, [
    'vm password change',
    'printf \'%s\\n%s\\n\' "$OLD" "$NEW" | vm password change --password-stdin',
  ]);
  withExamples(
    password
      .command('change')
      .description(t('cmd.password.change'))
      .option('--password-stdin', t('opt.passwordChangeStdin')),
    t,
    ['vm password change', 'printf \'%s\\n%s\\n\' "$OLD" "$NEW" | vm password change --password-stdin'],
  ).action(async (_o, cmd: Command) => {
    const o = ctx.use<{ passwordStdin?: boolean }>(cmd);
    if (o.passwordStdin) {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.io.stdin) chunks.push(Buffer.from(chunk as Buffer));
      const [oldPassword, newPassword] = Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
      if (!oldPassword || !newPassword) throw new UsageError(t('err.passwordChangeStdin'));
      const done = await (await ctx.client()).call('me.password', { body: { oldPassword, newPassword } });
      ctx.note(t('msg.passwordChanged', { sessions: done.sessionsEnded }));
      return;
    }
    if (!ctx.canPrompt) throw new CliError(t('err.passwordNeedsStdin'), 2);
    const { password: ask } = await import('@inquirer/prompts');
    const current = await ask(
      { message: t('msg.currentPassword'), mask: '*' },
      { output: ctx.io.stderr as NodeJS.WritableStream },
    );
    await changePasswordInteractively(ctx, current);
  });
}

/**
 * Asks for a new password twice (on a terminal) and sets it, in the session `auth` names: `vm login`
 * changes the one-time password of the session it just stored, whatever VM_TOKEN says.
 */
export async function changePasswordInteractively(
  ctx: Context,
  current: string,
  auth: ClientAuth = 'credential',
): Promise<void> {
  const t = ctx.t;
  const { password: ask } = await import('@inquirer/prompts');
  const output = { output: ctx.io.stderr as NodeJS.WritableStream };
  ctx.note(t('msg.setOwnPassword'));
  for (;;) {
    const first = await ask(
      {
        message: t('msg.newPassword'),
        mask: '*',
        validate: (v) => (v.length >= 8 ? true : t('err.passwordShort')),
      },
      output,
    );
    const again = await ask({ message: t('msg.repeatPassword'), mask: '*' }, output);
    if (first === again) {
      const done = await (
        await ctx.client(auth)
      ).call('me.password', {
        body: { oldPassword: current, newPassword: first },
      });
      ctx.note(t('msg.passwordChanged', { sessions: done.sessionsEnded }));
      return;
    }
    ctx.note(t('err.passwordMismatch'));
  }
}
