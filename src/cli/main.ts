import { Command, CommanderError, Help, Option } from 'commander';
import { Context, VERSION, type ClientFactory, type IOStreams } from './context.js';
import { describeError, errorObject, EXIT, localizeCommanderMessage, UnknownWordError } from './errors.js';
import { detectLang, loadTranslator, type MessageKey, type Translate } from './i18n/index.js';
import { withExamples } from './command-options.js';
import { escapeControlChars, escapeControlCharsKeepingLines } from '../domain/safe-text.js';
import * as accounts from './commands/accounts.js';
import * as alerts from './commands/alerts.js';
import * as appeal from './commands/appeal.js';
import * as audit from './commands/audit.js';
import * as autopay from './commands/autopay.js';
import * as auth from './commands/auth.js';
import * as balance from './commands/balance.js';
import * as block from './commands/block.js';
import * as backend from './commands/backend.js';
import * as completion from './commands/completion.js';
import * as demo from './commands/demo.js';
import * as detail from './commands/detail.js';
import * as events from './commands/events.js';
import * as groups from './commands/groups.js';
import * as limits from './commands/limits.js';
import * as locate from './commands/locate.js';
import * as help from './commands/help.js';
import * as number from './commands/number.js';
import * as numbers from './commands/numbers.js';
import * as ops from './commands/ops.js';
import * as password from './commands/password.js';
import * as pay from './commands/pay.js';
import * as report from './commands/report.js';
import * as roles from './commands/roles.js';
import * as services from './commands/services.js';
import * as sim from './commands/sim.js';
import * as state from './commands/state.js';
import * as tariff from './commands/tariff.js';
import * as tariffs from './commands/tariffs.js';
import * as tokens from './commands/tokens.js';
import * as users from './commands/users.js';
import * as webhooks from './commands/webhooks.js';

/** A command group module: registers its commands. Command modules load nothing heavy until an action runs. */
export interface CommandModule {
  register(program: Command, ctx: Context): void;
}

const MODULES: CommandModule[] = [
  auth,
  password,
  tokens,
  numbers,
  tariff,
  services,
  block,
  sim,
  number,
  groups,
  ops,
  state,
  users,
  roles,
  audit,
  events,
  webhooks,
  locate,
  appeal,
  detail,
  report,
  balance,
  pay,
  autopay,
  limits,
  alerts,
  tariffs,
  accounts,
  backend,
  completion,
  help,
  demo,
];

/** The headings commander writes in a help text, as the catalogs word them. */
const HELP_TITLES: Record<string, MessageKey> = {
  'Usage:': 'help.usage',
  'Arguments:': 'help.arguments',
  'Options:': 'help.options',
  'Global Options:': 'help.globalOptions',
  'Commands:': 'help.commands',
};

/** The words commander puts in the parentheses after an option's description: `(choices: …, default: …)`. */
const HELP_EXTRA_INFO: Record<string, MessageKey> = {
  choices: 'help.choices',
  default: 'help.default',
  preset: 'help.preset',
  env: 'help.env',
};

/**
 * commander's help in the user's language: its headings and the words of an option's extra info, which
 * commander writes in English. Set on the program before any command is added, so every one inherits it.
 */
function localizedHelp(t: Translate): Partial<Help> {
  return {
    showGlobalOptions: true,
    sortSubcommands: false,
    styleTitle: (title) => {
      const key = HELP_TITLES[title];
      return key ? t(key) : title;
    },
    optionDescription(option) {
      const text = Help.prototype.optionDescription.call(this, option);
      // Only the tail commander added is reworded, never the description itself.
      const own = option.description;
      return (
        own +
        text.slice(own.length).replace(/\b(choices|default|preset|env): /g, (m, word: string) => {
          const key = HELP_EXTRA_INFO[word];
          return key ? `${t(key)}: ` : m;
        })
      );
    },
  };
}

/** Builds the whole command tree (used by the run, by completion scripts and by tests). */
export function buildProgram(ctx: Context): Command {
  const t = ctx.t;
  const program = new Command('vm')
    .description(t('program.summary'))
    .version(VERSION, '-V, --version', t('opt.version'))
    .helpOption('-h, --help', t('opt.help'))
    .addOption(new Option('--json', t('opt.json')))
    .addOption(new Option('--jsonl', t('opt.jsonl')))
    .addOption(new Option('--ndjson', t('opt.jsonl')).hideHelp())
    .addOption(new Option('--csv', t('opt.csv')))
    .addOption(new Option('--excel', t('opt.excel')))
    .addOption(new Option('--raw-csv', t('opt.rawCsv')))
    .addOption(new Option('--xlsx <file>', t('opt.xlsx')))
    .addOption(new Option('-o, --format <format>', t('opt.format')))
    .addOption(new Option('--fields <list>', t('opt.fields')))
    .addOption(new Option('--no-color', t('opt.noColor')))
    .addOption(new Option('--lang <lang>', t('opt.lang')).choices(['en', 'ru']))
    .addOption(new Option('--profile <name>', t('opt.profile')))
    .addOption(new Option('--server <url>', t('opt.server')))
    .addOption(new Option('--ca <file>', t('opt.ca')))
    .addOption(new Option('--insecure', t('opt.insecure')))
    .addOption(new Option('--timeout <seconds>', t('opt.timeout')))
    .addOption(new Option('--connect-timeout <seconds>', t('opt.connectTimeout')))
    .addOption(new Option('--max-wait <seconds>', t('opt.maxWait')))
    .addOption(new Option('--retries <n>', t('opt.retries')))
    .addOption(new Option('-v, --verbose', t('opt.verbose')))
    .addOption(new Option('-q, --quiet', t('opt.quiet')))
    .addOption(new Option('--no-input', t('opt.noInput')))
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .configureHelp(localizedHelp(t));
  withExamples(program, t, [
    'vm login --email admin@demo.test',
    'vm numbers list --group sales --status active',
    'vm numbers list --json | jq length',
    'vm backend start',
  ]).addHelpText('after', `${t('help.seeAlso')}\n`);
  for (const m of MODULES) m.register(program, ctx);
  return program;
}

/** Does this run print JSON (--json, --jsonl, -o json|jsonl)? A format vm cannot read is no. */
async function printsJson(ctx: Context): Promise<boolean> {
  const { chooseFormat } = await import('./output/format.js');
  try {
    const format = chooseFormat({ ...ctx.opts, output: ctx.opts.format }, false);
    return format === 'json' || format === 'jsonl';
  } catch {
    return false;
  }
}

/**
 * Runs vm with `argv` (without node and script) and returns the exit code. `hooks.onContext` sees the
 * run's Context as soon as it exists (the process entry reads its exit code when the reader closes the
 * pipe); `hooks.makeClient` replaces the HTTP client (in-process command tests).
 */
export async function run(
  argv: string[],
  io: IOStreams,
  env: NodeJS.ProcessEnv,
  hooks: { onContext?: (ctx: Context) => void; makeClient?: ClientFactory } = {},
): Promise<number> {
  const lang = detectLang(argv, env);
  const t = await loadTranslator(lang);
  const ctx = new Context(io, env, lang, t, hooks.makeClient);
  hooks.onContext?.(ctx);
  const program = buildProgram(ctx);
  const applyRecursively = (cmd: Command) => {
    // One help entry point: `vm help <command>` and `--help`; no per-group `help` subcommands.
    cmd.helpCommand(false);
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) =>
        write(
          `vm: ${escapeControlCharsKeepingLines(localizeCommanderMessage(s.replace(/^error: /, ''), lang))}`,
        ),
    });
    // commander's "did you mean" weighs the spelling only; vm's weighs the rest of the line too
    // (suggestions.ts, loaded in the catch below). commander's typings leave out these two methods,
    // which it calls on an unknown subcommand or option with the words it has not placed in `args`.
    const parser = cmd as unknown as { unknownCommand(): void; unknownOption(flag: string): void };
    parser.unknownCommand = () => {
      throw new UnknownWordError('command', cmd.args[0] ?? '', cmd.args.slice(1), cmd);
    };
    parser.unknownOption = (flag) => {
      const at = cmd.args.indexOf(flag);
      throw new UnknownWordError('option', flag, at < 0 ? [] : cmd.args.slice(at + 1), cmd);
    };
    cmd.commands.forEach(applyRecursively);
  };
  applyRecursively(program);
  // `vm plan --detailed-exitcode` gives 2 to "changes present", so a failure that would be 2 (a bad flag, a
  // bad row) is 1 there, as in Terraform: a script reads 2 as changes and nothing else.
  const usage = argv.includes('--detailed-exitcode') ? EXIT.error : EXIT.usage;
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.ok;
    }
    await program.parseAsync(argv, { from: 'user' });
    // --xlsx on a command with nothing to put in a workbook (a login, an operation id): say the file is not there.
    if (ctx.opts.xlsx !== undefined && !ctx.xlsxWritten)
      io.stderr.write(`vm: ${escapeControlChars(t('msg.xlsxNotWritten', { file: ctx.opts.xlsx }))}\n`);
    return ctx.exitCode;
  } catch (err) {
    if ((err as Error).name === 'UnknownWordError') {
      const { unknownWordMessage } = await import('./suggestions.js');
      const message = unknownWordMessage(err as UnknownWordError, t);
      io.stderr.write(`vm: ${escapeControlCharsKeepingLines(message)}\n`);
      return usage;
    }
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
        return EXIT.ok;
      }
      return usage;
    }
    // The reader closed the pipe (`| head`): stop quietly.
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return EXIT.ok;
    let described = describeError(err, t);
    // A named profile has no session: say which, and not VM_TOKEN, which --profile beats anyway.
    const profile = ctx.opts.profile;
    if ((err as { code?: unknown }).code === 'unauthenticated' && profile)
      described = { ...described, message: t('err.notLoggedInProfile', { profile }) };
    // A run that prints JSON says its error in JSON too, as one line: a script parses it. What JSON
    // leaves raw (C1 and bidi controls a file or the server may hold) is escaped as JSON spells it.
    if (await printsJson(ctx))
      io.stderr.write(`${escapeControlChars(JSON.stringify(errorObject(err, described)))}\n`);
    // Messages may quote input files or the server; a list of bad rows keeps its lines, nothing else acts.
    else io.stderr.write(`vm: ${escapeControlCharsKeepingLines(described.message)}\n`);
    return described.exitCode === EXIT.usage ? usage : described.exitCode;
  } finally {
    await ctx.close();
  }
}
