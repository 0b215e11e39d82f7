import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { Context } from '../../src/cli/context.js';
import { translator } from '../../src/cli/i18n/catalogs.js';
import { HELP_TOPICS } from '../../src/cli/help-topics.js';
import { buildProgram } from '../../src/cli/main.js';
import { apiError, runCommand, StubClient } from '../support/cli-harness.js';

/**
 * Tracker issue 15, "Russian everywhere": with `--lang ru` no help text and no error a person reads is an
 * English sentence, including what commander writes itself (headings, its usage errors).
 */

/** Every command path of the program tree (`['numbers', 'list']`), parents before their subcommands. */
function commandPaths(): string[][] {
  const io = { ...process, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false };
  const program = buildProgram(new Context(io, {}, 'ru', translator('ru')));
  const walk = (cmd: Command, at: string[]): string[][] =>
    cmd.commands.flatMap((c) => [[...at, c.name()], ...walk(c, [...at, c.name()])]);
  return walk(program, []);
}

const PATHS = commandPaths();

/**
 * The lines of `text` that hold English prose: a clause (between `:`, `;`, `.` or a dash) with no Cyrillic
 * letter and a run of at least three prose words (3+ Latin letters) between commas. Clauses, not lines,
 * so an English reason after a Russian lead (`недопустимое значение '0': "0" is not a positive…`) is
 * caught; runs, not clauses, so a list of values (`table, tsv, csv, json`) is not. Not prose: example lines
 * (`$ vm …`), commands (`vm help numbers list`), code and quoted values (backticks, quotes, «»),
 * placeholders (`<file>`, `[options]`), flags (`--file`), names in capitals (`VM_TOKEN`), paths and URLs.
 */
function englishProse(text: string): string[] {
  const proseWords = (run: string): number =>
    run.split(/[\s()]+/).filter((w) => /^[A-Za-z]{3,}[.!?]?$/.test(w) && w !== w.toUpperCase()).length;
  const english = (clause: string): boolean =>
    !/[А-Яа-яЁё]/.test(clause) && clause.split(',').some((run) => proseWords(run) >= 3);
  return text.split('\n').filter((line) => {
    if (/^\s*\$ /.test(line)) return false;
    const prose = line
      .replace(/`[^`]*`|"[^"]*"|'[^']*'|«[^»]*»|<[^>]*>|\[[^\]]*\]/g, ' ')
      .replace(/\bvm(?: [a-z][\w-]*)+/g, ' ');
    return prose.split(/[:;.]\s|\s—\s/).some(english);
  });
}

const ru = (stub: StubClient, ...argv: string[]) => runCommand(stub, ['--lang', 'ru', ...argv]);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-i18n-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the English-prose check', () => {
  it('flags a sentence and lets examples, flags, env names, codes and paths through', () => {
    expect(englishProse('  -h, --help   display help for command')).toEqual([
      '  -h, --help   display help for command',
    ]);
    expect(
      englishProse(
        [
          '  $ vm numbers list --group "Sales North" --status active',
          '  --fields <list>   msisdn,employee,tariff',
          '  VM_TOKEN VM_SERVER https://vm.example.com/v1/numbers',
          'staff.csv:3: "8916 not a number" SMART_PLUS',
          'vm numbers list [options]',
          'Параметры: -h, --help',
        ].join('\n'),
      ),
    ).toEqual([]);
    expect(
      englishProse(`у параметра '--limit <n>' недопустимое значение '0': is not a positive number`),
    ).toHaveLength(1);
  });
});

describe('help in Russian', () => {
  it('has Russian headings and built-in option descriptions', async () => {
    const r = await ru(new StubClient(), 'numbers', 'list', '--help');
    expect(r.stdout).toMatch(/^Использование: vm numbers list \[options\]$/m);
    expect(r.stdout).toMatch(/^Параметры:$/m);
    expect(r.stdout).toMatch(/^Общие параметры:$/m);
    expect(r.stdout).toMatch(/-h, --help +показать справку по команде/);
    expect(r.stdout).toMatch(/\(варианты:\s+"active"/);
    const top = await ru(new StubClient(), '--help');
    expect(top.stdout).toMatch(/^Команды:$/m);
    expect(top.stdout).toMatch(/-V, --version +показать номер версии/);
    const args = await ru(new StubClient(), 'help', '--help');
    expect(args.stdout).toMatch(/^Аргументы:$/m);
  });

  it('keeps English headings in English', async () => {
    const r = await runCommand(new StubClient(), ['numbers', 'list', '--help']);
    expect(r.stdout).toMatch(/^Usage: vm numbers list \[options\]$/m);
    expect(r.stdout).toMatch(/-h, --help +display help for the command/);
  });

  it(`says no English sentence in the help of any of the ${PATHS.length} commands`, async () => {
    expect(PATHS.length).toBeGreaterThan(50);
    const english: string[] = [];
    for (const p of [[], ...PATHS]) {
      const r = await ru(new StubClient(), ...p, '--help');
      expect([p.join(' '), r.code]).toEqual([p.join(' '), 0]);
      for (const line of englishProse(r.stdout + r.stderr)) english.push(`vm ${p.join(' ')} --help: ${line}`);
    }
    expect(english).toEqual([]);
  });
});

describe('help topics in Russian', () => {
  it.each([...HELP_TOPICS])('vm help %s says no English sentence', async (topic) => {
    const r = await ru(new StubClient(), 'help', topic);
    expect(r.code).toBe(0);
    expect(englishProse(r.stdout)).toEqual([]);
  });
});

describe('errors in Russian', () => {
  it('words bad rows in Russian and keeps their file:line: form', async () => {
    const file = path.join(dir, 'staff.csv');
    fs.writeFileSync(file, 'number\n+79161234567\n8916\n7.91612E+10\n');
    const stub = new StubClient();
    const r = await ru(stub, 'block', '--file', file, '--reason', 'lost', '--yes');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:3: «8916» — не номер телефона`);
    expect(r.stderr).toContain(`${file}:4: «7.91612E+10» — число, которое Excel сократил`);
    expect(stub.calls).toEqual([]);
  });

  it('says no English sentence for the rows of a per-row change (a code, a time, an empty number)', async () => {
    const file = path.join(dir, 'tariffs.csv');
    fs.writeFileSync(file, 'number;tariff;at\n+79161234567;СМАРТ;\n+79161234568;SMART;soon\n;SMART;\n');
    const stub = new StubClient().on('tariffs.list', [{ code: 'SMART', name: 'Smart' }]);
    const r = await ru(stub, 'tariff', 'set', 'SMART', '--file', file, '--yes');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter((l) => l.startsWith(`${file}:`))).toHaveLength(3);
    expect(englishProse(r.stderr)).toEqual([]);
  });

  it('words the headline and the rows of a list read whole (vm report --file) in Russian', async () => {
    const file = path.join(dir, 'many.csv');
    fs.writeFileSync(file, `number\n${Array.from({ length: 60 }, (_, i) => `8916${i}`).join('\n')}\n`);
    const r = await ru(new StubClient(), 'report', 'expenses', '--period', '2026-10', '--file', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vm: Строк с неверным номером: 60; ничего не отправлено/m);
    expect(r.stderr).toMatch(/^… и ещё 10$/m);
  });

  it('says a not-found error once', async () => {
    const stub = new StubClient().on(
      'numbers.show',
      apiError('not_found', 'Number +79161234567 not found', {
        reason: 'number_not_found',
        msisdn: '+79161234567',
      }),
    );
    const r = await ru(stub, 'numbers', 'show', '+79161234567');
    expect(r.stderr).toBe('vm: Номер +79161234567 не найден\n');
  });

  it('says no English sentence for bad rows, usage errors and not found', async () => {
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(file, 'number\n8916\n\n"+7916\n');
    const cases: string[][] = [
      ['block', '--file', file, '--reason', 'lost', '--yes'],
      ['block', '--file', path.join(dir, 'nope.csv'), '--reason', 'lost', '--yes'],
      ['block', '--file', file, '--column', 'Mobile', '--reason', 'lost', '--yes'],
      ['block', '--file', file, '--column', '5', '--reason', 'lost', '--yes'],
      ['numbers', 'list', '--nope'],
      ['numbers', 'list', '--group'],
      ['numbers', 'list', '--limit', '0'],
      ['numbers', 'list', '--status', 'sleeping'],
      ['numbers', 'show'],
      ['numbers', 'show', '8916'],
      ['numbers', 'show', '+79161234567', 'extra'],
      ['nubmers', 'list'],
      ['numbers', 'lst'],
      ['logout', 'now'],
      ['help', 'nothing'],
      ['numbers', 'list', '-o', 'xml'],
      ['sim', 'order', '--count', '0', '--tariff', 'SMART', '--account', '1'],
      ['backend', 'start', '--port', 'x'],
      ['backend', 'start', '--tls-cert', 'a.pem'],
      ['backend', 'start', '--clock', 'soon'],
    ];
    const english: string[] = [];
    for (const argv of cases) {
      const r = await ru(new StubClient(), ...argv);
      // A message too short to be prose by the check is still Russian: it has Cyrillic letters.
      expect([argv.join(' '), r.code, /[А-Яа-яЁё]/.test(r.stderr)]).toEqual([argv.join(' '), 2, true]);
      for (const line of englishProse(r.stderr)) english.push(`vm ${argv.join(' ')}: ${line}`);
    }
    const notFound = new StubClient().on('numbers.show', apiError('not_found', 'No such number here'));
    const r = await ru(notFound, 'numbers', 'show', '+79161234567');
    expect(r.stderr).toBe('vm: Не найдено: No such number here\n');
    expect(english).toEqual([]);
  });
});
