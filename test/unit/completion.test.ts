import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';

import type { Command } from 'commander';

import { completionScript, completionTree, SHELLS, type Shell } from '../../src/cli/completion-script.js';
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

function hasShell(name: string): boolean {
  return spawnSync(name, ['-c', 'true']).status === 0;
}

/** Runs the bash completion function for `words` (the last one is under the cursor) and returns COMPREPLY. */
function bashComplete(words: string[]): string[] {
  const file = scriptFile('bash');
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const out = execFileSync(
    'bash',
    [
      '-c',
      `source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _vm; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8', cwd: dir },
  );
  return out.split('\n').filter(Boolean);
}

describe('vm completion', () => {
  const topLevel = program()
    .commands.map((c) => c.name())
    .filter((n) => n !== '');

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

  it('falls back to file names after an option whose value is free', () => {
    fs.writeFileSync(path.join(dir, 'staff.csv'), 'msisdn\n');
    expect(bashComplete(['vm', 'backend', 'start', '--data', 'sta'])).toEqual(['staff.csv']);
  });

  (hasShell('zsh') ? it : it.skip)('writes a zsh script that zsh accepts', () => {
    execFileSync('zsh', ['-n', scriptFile('zsh')]);
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
