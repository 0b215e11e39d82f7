import { Argument, type Command } from 'commander';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { withExamples } from '../command-options.js';
import { isBackendKind } from '../value-kinds.js';

// The script generator is loaded only when a script is asked for: `vm --help` must stay light.
const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

const TEXT = {
  shellArg: { en: 'the shell to complete in', ru: 'для какой оболочки' },
};

/** vm completion bash|zsh|fish: a completion script generated from the live command tree. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  // argChoices without .choices(): completion scripts offer them, but the action reports a bad shell itself (exit 2).
  const shellArg = new Argument('<shell>', TEXT.shellArg[ctx.lang]);
  shellArg.argChoices = [...SHELLS];
  withExamples(program.command('completion').description(t('cmd.completion')).addArgument(shellArg), t, [
    'source <(vm completion bash)',
    'source <(vm completion zsh)',
    'vm completion fish > ~/.config/fish/completions/vm.fish',
  ]).action(async (shell: string, _o, cmd: Command) => {
    ctx.use(cmd);
    if (!isShell(shell)) throw new UsageError(t('err.unknownShell', { shell }));
    const { completionScript } = await import('../completion-script.js');
    ctx.io.stdout.write(completionScript(shell, rootOf(cmd)));
  });

  // What the scripts ask at a TAB for values only the backend knows: `value<TAB>what it is` lines. Hidden
  // from help and completion; silent (nothing, exit 0) offline, logged out or on any error, since its
  // output lands in the user's prompt line.
  program
    .command('__complete', { hidden: true })
    .description(t('cmd.complete'))
    .addArgument(new Argument('<kind>'))
    .addArgument(new Argument('[prefix]'))
    .action(async (kind: string, prefix: string | undefined, _o, cmd: Command) => {
      try {
        ctx.use(cmd);
        if (!isBackendKind(kind)) return;
        const { completionValues } = await import('../completion-values.js');
        const values = await completionValues(ctx, kind);
        const lines = values
          .filter(([value]) => value.startsWith(prefix ?? ''))
          .map(([value, description]) => (description ? `${value}\t${description}\n` : `${value}\n`));
        ctx.io.stdout.write(lines.join(''));
      } catch {
        // Never an error in the prompt line: no values is all a completion can say.
      }
    });
}

function isShell(name: string): name is Shell {
  return (SHELLS as readonly string[]).includes(name);
}

function rootOf(cmd: Command): Command {
  let root = cmd;
  while (root.parent) root = root.parent;
  return root;
}
