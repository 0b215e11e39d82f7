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
    const { helpTopic, isHelpTopic, HELP_TOPICS } = await import('../help-topics.js');
    if (words.length === 1 && isHelpTopic(first)) {
      ctx.io.stdout.write(helpTopic(first, ctx.lang));
      return;
    }
    (await findCommand(root, words, ctx, words.length === 1 ? HELP_TOPICS : [])).outputHelp();
  });
}

function rootOf(cmd: Command): Command {
  let root = cmd;
  while (root.parent) root = root.parent;
  return root;
}

/**
 * Walks command names (or aliases) down from the root; unknown → exit 2 naming the topics, and the
 * command meant when one is close (ranked as for `vm numbr list`: by the words after it too).
 */
async function findCommand(
  root: Command,
  words: string[],
  ctx: Context,
  /** Help topics that may have been meant (a single word), besides the commands. */
  topics: readonly string[],
): Promise<Command> {
  let cmd = root;
  for (const [i, word] of words.entries()) {
    const next = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) {
      const unknown = ctx.t('help.unknownTopic', { topic: words.join(' ') });
      const { suggestCommand, shapeOf } = await import('../suggestions.js');
      const candidates = shapeOf(cmd).commands;
      if (i === 0) candidates.push(...topics.map((topic) => ({ names: [topic], commands: [], options: [] })));
      const meant = suggestCommand(word, words.slice(i + 1), candidates);
      const [only] = meant;
      // One meant: the whole line to type, the words after it kept (those it fixed too are in it).
      const after = only === undefined ? [] : words.slice(i + only.split(' ').length);
      const hint =
        meant.length === 0
          ? ''
          : only !== undefined && meant.length === 1
            ? ctx.t('err.didYouMean', {
                suggestion: ['vm help', ...words.slice(0, i), only, ...after].join(' '),
              })
            : ctx.t('err.didYouMeanOneOf', { suggestions: meant.join(', ') });
      throw new UsageError(hint ? `${unknown}\n${hint}` : unknown);
    }
    cmd = next;
  }
  return cmd;
}
