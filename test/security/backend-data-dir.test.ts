import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBackend } from '../../src/backend/server.js';
import { dataDirError } from '../../src/backend/store/data-dir.js';
import { describeError } from '../../src/cli/errors.js';
import { helpTopic } from '../../src/cli/help-topics.js';
import { translator } from '../../src/cli/i18n/catalogs.js';
import { startBackendProcess, vmBin, type BackendProcess } from '../support/backend-process.js';
import { demo, loginAs, makeConfigHome, parseJson, removeTempDirs, runVm } from '../support/run-vm.js';

const en = translator('en');
const ru = translator('ru');
const dirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-sec-data-'));
  dirs.push(dir);
  return dir;
}

/** `vm backend start` on `data`, expected to exit by itself (a backend that starts is killed after 20 s). */
function startExpectingExit(data: string) {
  return runVm(['backend', 'start', '--port', '0', '--lines', '10', '--data', data], { timeoutMs: 20_000 });
}

function exited(b: BackendProcess): Promise<void> {
  if (b.process.exitCode !== null || b.process.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => b.process.once('exit', () => resolve()));
}

afterAll(() => {
  for (const dir of dirs) {
    fs.chmodSync(dir, 0o700);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  removeTempDirs();
});

describe('two backends on one data directory', () => {
  it('refuses the second with exit 6 naming the first one’s pid; the first keeps serving', async () => {
    const dataDir = tempDir();
    const first = await startBackendProcess({ dataDir, lines: 20 });
    try {
      const second = await startExpectingExit(dataDir);
      expect(second.stdout).toBe('');
      expect(second.stderr).toBe(
        `vm: Another vm backend (pid ${first.process.pid}) is using ${dataDir}; stop it first or use --data elsewhere.\n`,
      );
      expect(second.code).toBe(6);

      const config = makeConfigHome();
      await loginAs(first.url, config, demo.admin.email, demo.admin.password);
      const list = await runVm(['numbers', 'list', '--json'], { server: first.url, configHome: config });
      expect(list.code).toBe(0);
      expect(parseJson<unknown[]>(list.stdout)).toHaveLength(20);
    } finally {
      await first.stop();
    }
    expect(first.process.exitCode).toBe(0);
  });

  it('says it in Russian', async () => {
    const dataDir = tempDir();
    const first = await startBackendProcess({ dataDir, lines: 10 });
    try {
      const second = await runVm(['--lang', 'ru', 'backend', 'start', '--port', '0', '--data', dataDir], {
        timeoutMs: 20_000,
      });
      expect(second.code).toBe(6);
      expect(second.stderr).toContain(String(first.process.pid));
      expect(second.stderr).toContain(dataDir);
      expect(second.stderr).toMatch(/[а-яё]{5}/i);
    } finally {
      await first.stop();
    }
  });

  it('refuses a second backend in the same process too', async () => {
    const dataDir = tempDir();
    const first = await createBackend({ dataDir, lines: 5 });
    try {
      await expect(createBackend({ dataDir, lines: 5 })).rejects.toMatchObject({
        name: 'DataDirLockedError',
        path: dataDir,
        pid: process.pid,
      });
    } finally {
      await first.close();
    }
    // Closed: the directory is free again.
    const again = await createBackend({ dataDir, lines: 5 });
    await again.close();
  });

  it('is not blocked by the lock of a backend killed with kill -9', async () => {
    const dataDir = tempDir();
    const killed = await startBackendProcess({ dataDir, lines: 10 });
    process.kill(killed.process.pid as number, 'SIGKILL');
    await exited(killed);
    const next = await startBackendProcess({ dataDir });
    try {
      const r = await runVm(['whoami'], { server: next.url });
      // Reached and answered (not logged in): the backend is up.
      expect(r.code).toBe(4);
    } finally {
      await next.stop();
    }
  });

  it('releases the lock on a clean stop: no pid file is left and the next start works', async () => {
    const dataDir = tempDir();
    const first = await startBackendProcess({ dataDir, lines: 10 });
    expect(fs.readFileSync(path.join(dataDir, 'vm-backend.pid'), 'utf8').trim()).toBe(
      String(first.process.pid),
    );
    await first.stop();
    expect([first.process.exitCode, first.process.signalCode]).toEqual([0, null]);
    expect(fs.existsSync(path.join(dataDir, 'vm-backend.pid'))).toBe(false);
    const second = await startBackendProcess({ dataDir });
    await second.stop();
  });
});

describe('a data directory the backend cannot use', () => {
  /** One line on stderr, no stack, exit 7, naming `where`. */
  function expectOneClearLine(r: { code: number; stdout: string; stderr: string }, where: string) {
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(where);
    expect(r.stderr).not.toMatch(/Unexpected error|unable to open database file|\n\s+at /);
    expect(r.code).toBe(7);
  }

  it('is a path under a regular file', async () => {
    const file = path.join(tempDir(), 'plain-file');
    fs.writeFileSync(file, 'x');
    const data = path.join(file, 'sub');
    const r = await startExpectingExit(data);
    expectOneClearLine(r, data);
    expect(r.stderr).toMatch(/--data/);
  });

  it('is a file itself', async () => {
    const file = path.join(tempDir(), 'plain-file');
    fs.writeFileSync(file, 'x');
    const r = await startExpectingExit(file);
    expectOneClearLine(r, file);
    expect(r.stderr).toMatch(/not a directory|is a file/);
  });

  it('holds a corrupt database', async () => {
    const dataDir = tempDir();
    const db = path.join(dataDir, 'vm-backend.sqlite');
    fs.writeFileSync(db, Buffer.alloc(8192, 'garbage!'));
    const r = await startExpectingExit(dataDir);
    expectOneClearLine(r, db);
    expect(r.stderr).toMatch(/damaged|not a vm backend database/);
    expect(r.stderr).toMatch(/move it away|--data/);
    // Left as it was, for the user to inspect or restore.
    expect(fs.readFileSync(db)).toEqual(Buffer.alloc(8192, 'garbage!'));
  });

  it('is not writable (chmod 555)', async () => {
    const parent = tempDir();
    fs.chmodSync(parent, 0o755);
    const dataDir = path.join(parent, 'read-only');
    fs.mkdirSync(dataDir, { mode: 0o555 });
    fs.chmodSync(dataDir, 0o555);
    let r: { code: number; stdout: string; stderr: string };
    if (process.getuid?.() !== 0) {
      r = await startExpectingExit(dataDir);
    } else {
      // chmod does not stop root: run vm as nobody, when this machine can (else there is nothing to show).
      const asNobody = (args: string[]) =>
        spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, vmBin, ...args], {
          encoding: 'utf8',
          env: { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: parent },
          timeout: 20_000,
        });
      if (asNobody(['--version']).status !== 0) {
        console.warn('skipped: running as root without runuser/nobody able to run vm');
        return;
      }
      const p = asNobody(['backend', 'start', '--port', '0', '--lines', '10', '--data', dataDir]);
      r = { code: p.status ?? -1, stdout: p.stdout, stderr: p.stderr };
    }
    expectOneClearLine(r, dataDir);
    expect(r.stderr).toMatch(/not writable/);
  });

  it('maps SQLite and file system errors to what the user can do', () => {
    const err = (code: string, message = code) => Object.assign(new Error(message), { code });
    const cases: [string, string][] = [
      ['SQLITE_FULL', 'full'],
      ['ENOSPC', 'full'],
      ['SQLITE_NOTADB', 'corrupt'],
      ['SQLITE_CORRUPT', 'corrupt'],
      ['SQLITE_READONLY', 'notWritable'],
      ['SQLITE_CANTOPEN', 'notWritable'],
      ['EACCES', 'notWritable'],
      ['EROFS', 'notWritable'],
      ['EPERM', 'notWritable'],
      ['ENOTDIR', 'notDirectory'],
      ['SQLITE_IOERR_WRITE', 'io'],
      ['EIO', 'io'],
    ];
    for (const [code, problem] of cases) {
      expect([code, dataDirError(err(code), '/srv/vm')?.problem]).toEqual([code, problem]);
    }
    expect(dataDirError(err('SQLITE_NOTADB'), '/srv/vm')?.path).toBe('/srv/vm/vm-backend.sqlite');
    expect(dataDirError(new Error('something else'), '/srv/vm')).toBeUndefined();
    expect(dataDirError(err('SQLITE_CONSTRAINT_UNIQUE'), '/srv/vm')).toBeUndefined();
  });

  it('words a full disk with the path and what to do, exit 7, in both languages', () => {
    const full = dataDirError(
      Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
      '/srv/vm',
    );
    expect(describeError(full, en)).toEqual({
      exitCode: 7,
      message:
        'No space left for the backend data in /srv/vm (SQLITE_FULL): free some space, or use --data on another disk.',
    });
    expect(describeError(full, ru).exitCode).toBe(7);
    expect(describeError(full, ru).message).toContain('/srv/vm');
    expect(describeError(full, ru).message).toMatch(/[а-яё]{5}/i);
  });
});

describe('the exit codes of vm backend start', () => {
  it('are documented in vm help exit-codes and in the command help, in both languages', async () => {
    for (const lang of ['en', 'ru'] as const) {
      const text = helpTopic('exit-codes', lang);
      expect(text).toMatch(/^ {2}6 +\S/m);
      expect(text).toMatch(/^ {2}7 +\S/m);
      expect(text).toContain('vm backend start');
    }
    const help = await runVm(['backend', 'start', '--help']);
    expect(help.stdout).toMatch(/\b6\b.*another/i);
    expect(help.stdout).toMatch(/\b7\b/);
  });
});
