import fs from 'node:fs';
import path from 'node:path';
import { makeConfigHome, removeTempDirs, runVm } from '../support/run-vm.js';

/** A config home whose vm/config.json holds `text`. */
function configHomeWith(text: string): { home: string; file: string } {
  const home = makeConfigHome();
  fs.mkdirSync(path.join(home, 'vm'));
  const file = path.join(home, 'vm', 'config.json');
  fs.writeFileSync(file, text, { mode: 0o600 });
  return { home, file };
}

// Nothing listens there: a command that got past the config would say "Cannot reach".
const NOWHERE = 'http://127.0.0.1:9';

afterAll(() => removeTempDirs());

describe('a corrupt CLI config file', () => {
  it('gives one line naming the file and what to do, exit 1, for invalid JSON', async () => {
    const { home, file } = configHomeWith('{"profiles": {"default": {"token": "vms_abc"');
    const r = await runVm(['whoami'], { server: NOWHERE, configHome: home });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`The config file ${file} is not valid JSON`);
    expect(r.stderr).toMatch(/fix it or remove it/);
    expect(r.stderr).toMatch(/log in again/);
    expect(r.stderr).not.toMatch(/Unexpected error|\n\s+at /);
    // The file is left as it was: it may hold logins the user wants to repair by hand.
    expect(fs.readFileSync(file, 'utf8')).toBe('{"profiles": {"default": {"token": "vms_abc"');
  });

  it('says it in Russian', async () => {
    const { home, file } = configHomeWith('not json at all');
    const r = await runVm(['--lang', 'ru', 'logout'], { configHome: home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/JSON/);
    expect(r.stderr).toMatch(/[а-яё]{5}/i);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('treats JSON that is not vm settings the same way', async () => {
    const { home, file } = configHomeWith('{"profiles": null}');
    const r = await runVm(['whoami'], { server: NOWHERE, configHome: home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The config file ${file}`);
    expect(r.stderr).not.toMatch(/Unexpected error/);
  });

  it('names a config path it cannot read', async () => {
    const home = makeConfigHome();
    const file = path.join(home, 'vm', 'config.json');
    fs.mkdirSync(file, { recursive: true });
    const r = await runVm(['logout'], { configHome: home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Cannot read the config file ${file}`);
    expect(r.stderr).not.toMatch(/Unexpected error/);
  });

  it('is not created by a command that only reads it', async () => {
    const home = makeConfigHome();
    const r = await runVm(['whoami'], { server: NOWHERE, configHome: home });
    expect(r.stderr).toMatch(/Cannot reach/);
    expect(fs.existsSync(path.join(home, 'vm', 'config.json'))).toBe(false);
  });
});
