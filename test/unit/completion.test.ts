import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';

import type { Command } from 'commander';

import {
  completionScript,
  completionTree,
  SHELLS,
  type CompletionNode,
  type Shell,
} from '../../src/cli/completion-script.js';
import { Context, type IOStreams } from '../../src/cli/context.js';
import { translator } from '../../src/cli/i18n/catalogs.js';
import { buildProgram, run } from '../../src/cli/main.js';

class Collector extends Writable {
  text = '';
  override _write(chunk: unknown, _enc: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

function fakeIO(): { io: IOStreams; stdout: Collector; stderr: Collector } {
  const stdout = new Collector();
  const stderr = new Collector();
  const io: IOStreams = {
    stdin: new PassThrough(),
    stdout,
    stderr,
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
  };
  return { io, stdout, stderr };
}

function program(): Command {
  return buildProgram(new Context(fakeIO().io, {}, 'en', translator('en')));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-completion-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function scriptFile(shell: Shell): string {
  const file = path.join(dir, `vm.${shell}`);
  fs.writeFileSync(file, completionScript(shell, program()));
  return file;
}

/** Every node of a completion tree. */
function nodesOf(tree: CompletionNode): CompletionNode[] {
  return [tree, ...tree.commands.flatMap(nodesOf)];
}

function hasShell(name: string): boolean {
  return spawnSync(name, ['-c', 'true']).status === 0;
}

// A stand-in for vm on the PATH of the shells: answers `__complete KIND` as vm does (value TAB what it
// is, one a line) and writes each call's arguments to calls.log, so a test sees what the script asked.
const fakeBin = path.join(dir, 'bin');
const callLog = path.join(dir, 'calls.log');
fs.mkdirSync(fakeBin);
fs.writeFileSync(
  path.join(fakeBin, 'vm'),
  `#!/bin/sh
printf '%s\\n' "$*" >> '${callLog}'
case "$*" in
  *"__complete tariffs"*) printf 'SMART\\tSmart\\nSMART_PLUS\\tSmart Plus\\nUNLIM\\tUnlimited\\n' ;;
  *"__complete services"*) printf 'VPN_APN\\tCorporate VPN\\n' ;;
  *"__complete groups"*) printf 'sales\\tHQ/Sales\\nsales-north\\tHQ/Sales/Sales North\\n' ;;
  *"__complete operations"*) printf 'op_1a2b\\tnumber.block succeeded\\n' ;;
esac
`,
  { mode: 0o755 },
);
const shellEnv = { ...process.env, PATH: `${fakeBin}${path.delimiter}${process.env.PATH ?? ''}` };

/** What the scripts asked the stand-in vm since the last call, one line per call. */
function calls(): string[] {
  const text = fs.existsSync(callLog) ? fs.readFileSync(callLog, 'utf8') : '';
  fs.rmSync(callLog, { force: true });
  return text.split('\n').filter(Boolean);
}

const shellQuote = (words: string[]) => words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');

/** Runs the bash completion function for `words` (the last one is under the cursor) and returns COMPREPLY. */
function bashComplete(words: string[]): string[] {
  const file = scriptFile('bash');
  const out = execFileSync(
    'bash',
    [
      '-c',
      `source '${file}'; COMP_WORDS=(${shellQuote(words)}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _vm; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8', cwd: dir, env: shellEnv },
  );
  return out.split('\n').filter(Boolean);
}

/**
 * Runs the zsh completion function for `words` with zsh's completion builtins replaced by functions that
 * print what they were given: `_describe` its candidates, `_files` and `_message` their name.
 */
function zshComplete(words: string[]): string[] {
  const file = scriptFile('zsh');
  const stubs = [
    'compdef() { :; }',
    'compset() { :; }',
    'compadd() { shift; print -rl -- "$@"; }',
    '_describe() { print -rl -- "${(@P)${@[-1]}}"; }',
    '_files() { print -r -- "(files $*)"; }',
    '_message() { print -r -- "(message $*)"; }',
  ].join('; ');
  const out = execFileSync(
    'zsh',
    ['-f', '-c', `${stubs}; source '${file}'; words=(${shellQuote(words)}); CURRENT=\${#words}; _vm`],
    { encoding: 'utf8', cwd: dir, env: shellEnv },
  );
  return out.split('\n').filter(Boolean);
}

/** What fish offers for the command line `line` (its candidates, without descriptions). */
function fishComplete(line: string): string[] {
  const out = execFileSync(
    'fish',
    ['-c', `source '${scriptFile('fish')}'; complete -C ${shellQuote([line])}`],
    {
      encoding: 'utf8',
      cwd: dir,
      env: shellEnv,
    },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0] as string);
}

describe('vm completion', () => {
  const root = program();
  const topLevel = root
    .createHelp()
    .visibleCommands(root)
    .map((c) => c.name());

  it('sees every command of the live tree, with its own options and choices', () => {
    const tree = completionTree(program());
    expect(tree.commands.map((c) => c.names[0])).toEqual(topLevel);
    const numbers = tree.commands.find((c) => c.names[0] === 'numbers');
    expect(numbers?.commands.map((c) => c.names[0])).toEqual(expect.arrayContaining(['list', 'show']));
    const list = numbers?.commands.find((c) => c.names[0] === 'list');
    expect(list?.options.find((o) => o.flags.includes('--status'))?.choices).toEqual([
      'active',
      'blocked',
      'suspended_by_operator',
      'terminated',
    ]);
    // global options are declared once, on the root, and not repeated under each command
    expect(list?.options.some((o) => o.flags.includes('--json'))).toBe(false);
    expect(tree.options.find((o) => o.flags.includes('--lang'))?.choices).toEqual(['en', 'ru']);
  });

  it.each(SHELLS)(
    'prints a %s script naming every top-level command, numbers list|show and the --status choices',
    (shell) => {
      const script = completionScript(shell, program());
      for (const name of topLevel) expect(script).toContain(name);
      expect(script).toMatch(/list/);
      expect(script).toMatch(/show/);
      expect(script).toContain('suspended_by_operator');
      expect(script).toContain('--status'.slice(shell === 'fish' ? 2 : 0));
    },
  );

  it('leaves hidden options out', () => {
    for (const shell of SHELLS) expect(completionScript(shell, program())).not.toContain('ndjson');
  });

  it('leaves the hidden __complete command out of the tree and of what it offers', () => {
    expect(root.commands.map((c) => c.name())).toContain('__complete');
    expect(topLevel).not.toContain('__complete');
    expect(completionTree(program()).commands.map((c) => c.names[0])).not.toContain('__complete');
    expect(bashComplete(['vm', '__'])).toEqual([]);
  });

  it('writes a bash script that bash accepts', () => {
    const script = completionScript('bash', program());
    expect(script).toContain('complete -F _vm vm');
    expect(script).toContain("'numbers') _vm_r='list show");
    execFileSync('bash', ['-n', scriptFile('bash')]);
  });

  it('completes subcommands at each level in bash', () => {
    expect(bashComplete(['vm', ''])).toEqual(topLevel);
    expect(bashComplete(['vm', 'numb']).sort()).toEqual(['number', 'numbers']);
    expect(bashComplete(['vm', 'numbers'])).toEqual(['numbers']);
    expect(bashComplete(['vm', 'ta']).sort()).toEqual(['tariff', 'tariffs']);
    expect(bashComplete(['vm', 'numbers', 'l'])).toEqual(['list']);
    expect(bashComplete(['vm', '--profile', 'work', 'numbers', 's'])).toEqual(['show']);
  });

  it('completes the options of the deepest command, and the global ones, in bash', () => {
    expect(bashComplete(['vm', 'numbers', 'list', '--sta'])).toEqual(['--status']);
    expect(bashComplete(['vm', 'numbers', 'list', '--group', 'sales', '--se']).sort()).toEqual([
      '--search',
      '--server',
    ]);
    expect(bashComplete(['vm', 'numbers', 'show', '+79161234567', '--js'])).toEqual(['--json', '--jsonl']);
    expect(bashComplete(['vm', 'tariffs', 'list', '--sta'])).toEqual([]);
  });

  it('completes the choices after an option that has them, in bash', () => {
    expect(bashComplete(['vm', 'numbers', 'list', '--status', ''])).toEqual([
      'active',
      'blocked',
      'suspended_by_operator',
      'terminated',
    ]);
    expect(bashComplete(['vm', 'numbers', 'list', '--status', 'b'])).toEqual(['blocked']);
    expect(bashComplete(['vm', 'numbers', 'list', '--status', '=', 'b'])).toEqual(['blocked']);
    expect(bashComplete(['vm', 'numbers', 'list', '--status=b'])).toEqual(['--status=blocked']);
    expect(bashComplete(['vm', '--lang', ''])).toEqual(['en', 'ru']);
    expect(bashComplete(['vm', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
  });

  it('offers file names where a file is asked for, and directories where a directory is, in bash', () => {
    fs.writeFileSync(path.join(dir, 'staff.csv'), 'msisdn\n');
    fs.mkdirSync(path.join(dir, 'state'), { recursive: true });
    expect(bashComplete(['vm', 'tariff', 'set', 'SMART', '--file', 'sta']).sort()).toEqual([
      'staff.csv',
      'state',
    ]);
    expect(bashComplete(['vm', 'report', 'usage', '--output', 'sta']).sort()).toEqual(['staff.csv', 'state']);
    expect(bashComplete(['vm', 'appeal', 'create', '--attach', 'sta']).sort()).toEqual([
      'staff.csv',
      'state',
    ]);
    expect(bashComplete(['vm', '--ca', 'sta']).sort()).toEqual(['staff.csv', 'state']);
    expect(bashComplete(['vm', 'plan', 'sta']).sort()).toEqual(['staff.csv', 'state']);
    expect(bashComplete(['vm', 'backend', 'start', '--data', 'sta'])).toEqual(['state']);
  });

  it('offers nothing, not even file names, after an option that takes free text, in bash', () => {
    fs.writeFileSync(path.join(dir, 'staff.csv'), 'msisdn\n');
    for (const words of [
      ['vm', 'block', '--reason', ''],
      ['vm', 'block', '--reason', 'sta'],
      ['vm', 'appeal', 'create', '--subject', ''],
      ['vm', 'appeal', 'create', '--text', 'sta'],
      ['vm', 'tokens', 'create', '--name', ''],
      ['vm', 'roles', 'create', 'auditor', '--description', ''],
      ['vm', 'numbers', 'list', '--search', 'sta'],
    ])
      expect([words.join(' '), bashComplete(words)]).toEqual([words.join(' '), []]);
    expect(calls()).toEqual([]);
  });

  it('knows from the live tree which values are files, directories, backend values or text', () => {
    const tree = completionTree(program());
    const at = (...names: string[]) =>
      names.reduce<CompletionNode | undefined>(
        (n, name) => n?.commands.find((c) => c.names[0] === name),
        tree,
      );
    const kindOf = (node: CompletionNode | undefined, flag: string) =>
      node?.options.find((o) => o.flags.includes(flag))?.kind;
    expect(kindOf(at('tariff', 'set'), '--file')).toBe('files');
    expect(kindOf(at('detail'), '--output')).toBe('files');
    expect(kindOf(at('backend', 'start'), '--data')).toBe('dirs');
    expect(kindOf(at('block'), '--reason')).toBe('text');
    expect(kindOf(at('appeal', 'create'), '--subject')).toBe('text');
    expect(kindOf(at('tariff', 'set'), '--tariff')).toBe('tariffs');
    expect(kindOf(at('numbers', 'list'), '--tariff')).toBe('tariffs');
    expect(at('tariff', 'set')?.args[0]?.kind).toBe('tariffs');
    expect(at('services', 'add')?.args[0]?.kind).toBe('services');
    for (const verb of ['show', 'wait', 'cancel', 'rollback'])
      expect(at('ops', verb)?.args[0]?.kind).toBe('operations');
    expect(at('report')?.args[0]?.choices).toEqual(
      expect.arrayContaining(['expenses', 'tariff-optimization', 'list']),
    );
    // every command that has a --group option completes group ids there
    const withGroup = nodesOf(tree).filter((n) => n.options.some((o) => o.flags.includes('--group')));
    expect(withGroup.length).toBeGreaterThan(10);
    for (const n of withGroup)
      expect([n.path.join(' '), kindOf(n, '--group')]).toEqual([n.path.join(' '), 'groups']);
  });

  it('asks vm for the values only the backend knows, in bash', () => {
    calls();
    expect(bashComplete(['vm', 'tariff', 'set', ''])).toEqual(['SMART', 'SMART_PLUS', 'UNLIM']);
    expect(calls()).toEqual(['__complete tariffs ']);
    expect(bashComplete(['vm', 'tariff', 'set', 'SMART_'])).toEqual(['SMART_PLUS']);
    expect(calls()).toEqual(['__complete tariffs SMART_']);
    expect(bashComplete(['vm', 'report', ''])).toEqual(expect.arrayContaining(['expenses', 'usage', 'list']));
    expect(bashComplete(['vm', 'numbers', 'list', '--group', 'sales-'])).toEqual(['sales-north']);
    expect(bashComplete(['vm', 'numbers', 'list', '--group=s'])).toEqual([
      '--group=sales',
      '--group=sales-north',
    ]);
    expect(bashComplete(['vm', 'numbers', 'list', '--group', '=', 's'])).toEqual(['sales', 'sales-north']);
    expect(bashComplete(['vm', 'block', '--group', ''])).toEqual(['sales', 'sales-north']);
    expect(bashComplete(['vm', 'services', 'add', ''])).toEqual(['VPN_APN']);
    for (const verb of ['show', 'wait', 'cancel', 'rollback'])
      expect(bashComplete(['vm', 'ops', verb, ''])).toEqual(['op_1a2b']);
    calls();
    // the numbers after the tariff are not the backend's to say
    expect(bashComplete(['vm', 'tariff', 'set', 'SMART', ''])).not.toContain('SMART');
    expect(calls()).toEqual([]);
  });

  it("asks with the line's own --profile and --server, in bash", () => {
    calls();
    bashComplete(['vm', '--profile', 'work', 'tariff', 'set', '']);
    bashComplete(['vm', 'tariff', '--server', 'https://vm.example', 'set', '--insecure', '']);
    expect(calls()).toEqual([
      '--profile work __complete tariffs ',
      '--server https://vm.example --insecure __complete tariffs ',
    ]);
  });

  (hasShell('zsh') ? it : it.skip)('writes a zsh script that zsh accepts', () => {
    execFileSync('zsh', ['-n', scriptFile('zsh')]);
  });

  (hasShell('zsh') ? it : it.skip)('completes commands, backend values, files and free text in zsh', () => {
    fs.writeFileSync(path.join(dir, 'staff.csv'), 'msisdn\n');
    expect(zshComplete(['vm', 'numbers', ''])).toEqual(
      expect.arrayContaining([expect.stringMatching(/^list:/)]),
    );
    expect(zshComplete(['vm', 'tariff', 'set', ''])).toEqual([
      'SMART:Smart',
      'SMART_PLUS:Smart Plus',
      'UNLIM:Unlimited',
    ]);
    expect(zshComplete(['vm', 'ops', 'show', ''])).toEqual(['op_1a2b:number.block succeeded']);
    expect(zshComplete(['vm', 'report', ''])).toEqual(expect.arrayContaining(['expenses', 'usage']));
    expect(zshComplete(['vm', 'numbers', 'list', '--group', ''])).toEqual([
      'sales:HQ/Sales',
      'sales-north:HQ/Sales/Sales North',
    ]);
    expect(zshComplete(['vm', 'tariff', 'set', 'SMART', '--file', ''])).toEqual(['(files )']);
    expect(zshComplete(['vm', 'backend', 'start', '--data', ''])).toEqual(['(files -/)']);
    expect(zshComplete(['vm', 'block', '--reason', ''])).toEqual(['(message -r --reason)']);
  });

  (hasShell('fish') ? it : it.skip)('writes a fish script that fish accepts and that completes', () => {
    const file = scriptFile('fish');
    execFileSync('fish', ['--no-execute', file]);
    const out = execFileSync(
      'fish',
      ['-c', `source '${file}'; complete -C 'vm numbers l'; complete -C 'vm --lang '`],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toMatch(/^list\t/m);
    expect(out).toMatch(/^ru\t/m);
  });

  (hasShell('fish') ? it : it.skip)('completes backend values, files and free text in fish', () => {
    fs.writeFileSync(path.join(dir, 'staff.csv'), 'msisdn\n');
    calls();
    expect(fishComplete('vm tariff set ')).toEqual(['SMART', 'SMART_PLUS', 'UNLIM']);
    expect(fishComplete('vm --profile work ops show ')).toEqual(['op_1a2b']);
    expect(fishComplete('vm tariff set SMART --group ')).toEqual(['sales', 'sales-north']);
    expect(fishComplete('vm tariff set SMART --group=sales-')).toEqual(['--group=sales-north']);
    expect(calls()).toEqual([
      '__complete tariffs ',
      '--profile work __complete operations ',
      '__complete groups ',
      '__complete groups sales-',
    ]);
    expect(fishComplete('vm report ')).toEqual(expect.arrayContaining(['expenses', 'usage']));
    fs.mkdirSync(path.join(dir, 'state'), { recursive: true });
    expect(fishComplete('vm tariff set SMART --file sta')).toEqual(['staff.csv', 'state/']);
    expect(fishComplete('vm plan sta')).toEqual(['staff.csv', 'state/']);
    expect(fishComplete('vm backend start --data sta')).toEqual(['state/']);
    expect(fishComplete('vm block --reason ')).toEqual([]);
    expect(fishComplete('vm block --reason sta')).toEqual([]);
    expect(fishComplete('vm tariff set SMART ')).toEqual([]);
    expect(calls()).toEqual([]);
  });

  it('prints the script on stdout, and exits 2 naming the shells for an unknown one', async () => {
    const ok = fakeIO();
    expect(await run(['completion', 'bash'], ok.io, {})).toBe(0);
    expect(ok.stdout.text).toContain('complete -F _vm vm');
    const bad = fakeIO();
    expect(await run(['completion', 'powershell'], bad.io, {})).toBe(2);
    expect(bad.stdout.text).toBe('');
    expect(bad.stderr.text).toMatch(/bash.*zsh.*fish/);
  });
});
