import { Context } from '../../src/cli/context.js';
import { translator } from '../../src/cli/i18n/catalogs.js';
import { buildProgram } from '../../src/cli/main.js';
import {
  shapeOf,
  slip,
  suggestCommand,
  suggestOption,
  type CommandShape,
  type OptionShape,
} from '../../src/cli/suggestions.js';
import { runCommand, StubClient } from '../support/cli-harness.js';

/** Tracker issue 15, "Completion and suggestions": "did you mean" reads the whole command line. */

const io = { ...process, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false };
const program = shapeOf(buildProgram(new Context(io, {}, 'en', translator('en'))));
const at = (...names: string[]): CommandShape => {
  const found = names.reduce<CommandShape | undefined>(
    (n, name) => n?.commands.find((c) => c.names.includes(name)),
    program,
  );
  if (!found) throw new Error(`no command ${names.join(' ')}`);
  return found;
};
const vm = (...argv: string[]) => runCommand(new StubClient(), argv);

describe('what a mistyped command meant', () => {
  it('is the command whose subcommands hold the next word, over a closer spelling', () => {
    // `number` is one letter from `numbr`, `numbers` two; only `numbers` has `list`
    expect(slip('numbr', 'number')).toBeLessThan(slip('numbr', 'numbers') as number);
    expect(suggestCommand('numbr', ['list'], program.commands)).toEqual(['numbers']);
    expect(suggestCommand('numbr', ['change', '+79161234567'], program.commands)).toEqual(['number']);
    expect(suggestCommand('tarif', ['set', 'SMART'], program.commands)).toEqual(['tariff']);
    expect(suggestCommand('tarif', ['list'], program.commands)).toEqual(['tariffs']);
    expect(suggestCommand('num', ['list', '--status', 'active'], program.commands)).toEqual(['numbers']);
  });

  it('names the subcommand too when the next word was mistyped as well', () => {
    expect(suggestCommand('numbr', ['lsit'], program.commands)).toEqual(['numbers list']);
  });

  it('goes by the options given after it when no subcommand decides', () => {
    const shapes: CommandShape[] = [
      { names: ['group'], commands: [], options: [{ flag: '--under', value: 'required', choices: [] }] },
      { names: ['groups'], commands: [], options: [{ flag: '--status', value: 'required', choices: [] }] },
    ];
    expect(suggestCommand('grops', ['--status', 'x'], shapes)).toEqual(['groups']);
    expect(suggestCommand('grops', ['--under', 'x'], shapes)).toEqual(['group']);
  });

  it('is the closest spelling when the rest of the line says nothing, and every one as close', () => {
    expect(suggestCommand('numbr', [], program.commands)).toEqual(['number']);
    expect(suggestCommand('lsit', [], at('numbers').commands)).toEqual(['list']);
    const shapes: CommandShape[] = ['show', 'shop'].map((name) => ({
      names: [name],
      commands: [],
      options: [],
    }));
    expect(suggestCommand('shoo', [], shapes)).toEqual(['show', 'shop']);
  });

  it('is nothing when no command is close', () => {
    expect(suggestCommand('frobnicate', ['list'], program.commands)).toEqual([]);
    expect(suggestCommand('x', [], program.commands)).toEqual([]);
  });
});

describe('what a mistyped option meant', () => {
  const options: OptionShape[] = [
    { flag: '--status', value: 'required', choices: ['active', 'blocked'] },
    { flag: '--stats', value: 'none', choices: [] },
    { flag: '--state', value: 'required', choices: ['queued', 'running'] },
  ];

  it('is the option whose choices hold the value after it', () => {
    expect(suggestOption('--stat', ['active'], options)).toEqual(['--status']);
    expect(suggestOption('--stat', ['running'], options)).toEqual(['--state']);
    expect(suggestOption('--stat=blocked', [], options)).toEqual(['--status']);
  });

  it('is a flag when nothing follows, an option taking a value when something does', () => {
    expect(suggestOption('--stat', [], options)).toEqual(['--stats']);
    expect(suggestOption('--stat', ['--json'], options)).toEqual(['--stats']);
    // both take a value: the closer spelling
    expect(suggestOption('--stat', ['other'], options)).toEqual(['--state']);
  });

  it('is nothing for a short flag or a word far from every option', () => {
    expect(suggestOption('-x', [], options)).toEqual([]);
    expect(suggestOption('--frobnicate', [], options)).toEqual([]);
  });
});

describe('vm says what it meant', () => {
  it('vm numbr list: numbers', async () => {
    const r = await vm('numbr', 'list');
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: "vm: unknown command 'numbr'\n(Did you mean numbers?)\n",
    });
  });

  it('vm numbers lsit: list', async () => {
    expect((await vm('numbers', 'lsit')).stderr).toBe("vm: unknown command 'lsit'\n(Did you mean list?)\n");
  });

  it('vm numbers list --stauts active: --status, with the options of the program too', async () => {
    expect((await vm('numbers', 'list', '--stauts', 'active')).stderr).toBe(
      "vm: unknown option '--stauts'\n(Did you mean --status?)\n",
    );
    expect((await vm('numbers', 'list', '--jsno')).stderr).toBe(
      "vm: unknown option '--jsno'\n(Did you mean --json?)\n",
    );
  });

  it('in Russian with --lang ru', async () => {
    const r = await vm('--lang', 'ru', 'numbr', 'list');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("vm: неизвестная команда 'numbr'\n(Возможно, имелось в виду numbers?)\n");
    expect((await vm('--lang', 'ru', 'tariffz')).stderr).toBe(
      "vm: неизвестная команда 'tariffz'\n(Возможно, имелось в виду одно из: tariff, tariffs?)\n",
    );
    expect((await vm('--lang', 'ru', 'numbers', 'list', '--stauts', 'active')).stderr).toBe(
      "vm: неизвестный параметр '--stauts'\n(Возможно, имелось в виду --status?)\n",
    );
  });

  it('vm help numbr list: the whole help line meant, and a help topic misspelt', async () => {
    const r = await vm('help', 'numbr', 'list');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^vm: No help topic or command "numbr list"\..*\n\(Did you mean vm help numbers list\?\)\n$/,
    );
    expect((await vm('help', 'numbers', 'lsit')).stderr).toMatch(
      /\(Did you mean vm help numbers list\?\)\n$/,
    );
    expect((await vm('help', 'environmnt')).stderr).toMatch(/\(Did you mean vm help environment\?\)\n$/);
    expect((await vm('help', 'frobnicate')).stderr).not.toMatch(/Did you mean/);
  });

  it('says only the unknown word when nothing is close', async () => {
    expect(await vm('frobnicate')).toEqual({
      code: 2,
      stdout: '',
      stderr: "vm: unknown command 'frobnicate'\n",
    });
  });

  it('escapes control characters of the word typed', async () => {
    expect((await vm('num\u001b[2Jbers')).stderr).toBe("vm: unknown command 'num\\u001b[2Jbers'\n");
  });
});
