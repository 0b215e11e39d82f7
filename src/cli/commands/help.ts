import { Argument, type Command } from 'commander';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { withExamples } from '../command-options.js';

const TEXT = {
  topicArg: {
    en: 'a topic (environment, exit-codes, targets, billing, output, webhooks) or a command, e.g. numbers list',
    ru: 'раздел (environment, exit-codes, targets, billing, output, webhooks) или команда, например numbers list',
  },
};

/** vm help [topic|command...]: help topics, and the help of any command (the program has no implicit help command). */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  withExamples(
    program
      .command('help')
      .description(t('cmd.help'))
      .addArgument(new Argument('[topic...]', TEXT.topicArg[ctx.lang])),
    t,
    [
      'vm help environment',
      'vm help exit-codes',
      'vm help targets',
      'vm help billing',
      'vm help output',
      'vm help webhooks',
      'vm help numbers list',
    ],
  ).action(async (words: string[], _o, cmd: Command) => {
    ctx.use(cmd);
    const root = rootOf(cmd);
    const [first] = words;
    if (first === undefined) {
      root.outputHelp();
      return;
    }
    // the topic texts load only when asked for, like every command's heavy parts
    const { helpTopic, isHelpTopic } = await import('../help-topics.js');
    if (words.length === 1 && isHelpTopic(first)) {
      ctx.io.stdout.write(helpTopic(first, ctx.lang));
      return;
    }
    findCommand(root, words, ctx).outputHelp();
  });
}

function rootOf(cmd: Command): Command {
  let root = cmd;
  while (root.parent) root = root.parent;
  return root;
}

/** Walks command names (or aliases) down from the root; unknown → exit 2 naming the topics. */
function findCommand(root: Command, words: string[], ctx: Context): Command {
  let cmd = root;
  for (const word of words) {
    const next = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) throw new UsageError(ctx.t('help.unknownTopic', { topic: words.join(' ') }));
    cmd = next;
  }
  return cmd;
}
