import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Line } from '../../src/api/lines.js';
import { repoRoot, startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { oldestNode, refusingNode, runtimePackages } from '../support/engines.js';
import { demo, makeConfigHome, parseJson, removeTempDirs, runVm } from '../support/run-vm.js';

/**
 * What a user does (README, "Install"): `npm pack`, then `npm install -g` of the tarball, then `vm`. The pack
 * runs in a copy of the checkout without dist/, so prepack must build it, and this checkout's dist/ (which the
 * other e2e tests run at the same time) is left alone. The install goes into a temporary prefix with the same
 * command as the README's; it takes its dependencies from the npm cache `npm ci` filled (--prefer-offline).
 * better-sqlite3's install script runs for real, but finds a prebuilt binary — this checkout's, packed as
 * prebuild-install packs one — instead of compiling for a minute.
 */

/** The README's install command, after the tarball's path; --prefix and the offline flags are the test's. */
const INSTALL_FLAGS = ['--allow-scripts=better-sqlite3'];
/** What the tarball may hold: the launcher, the bundle, the fixtures the backend reads, docs, README. */
const SHIPPED =
  /^(package\.json|README\.md|LICENSE(\.\w+)?|bin\/vm\.js|dist\/[\w-]+\.js|fixtures\/(catalog|demo-company)\.json|docs\/[\w-]+\.(md|json))$/;
/** Not copied into the checkout's copy that is packed: installed, built or written by tests. */
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', '.tmp', 'coverage']);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs npm (the one running `npm test`, when it does) without the npm_* variables `npm run` exports. */
function npm(args: string[], cwd: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|INIT_CWD$|NODE_OPTIONS$)/i.test(k)) env[k] = v;
  }
  env.PATH = [path.dirname(process.execPath), env.PATH].filter(Boolean).join(path.delimiter);
  const execPath = process.env.npm_execpath;
  const [command, argv] =
    execPath && /npm-cli\.js$/.test(execPath) ? [process.execPath, [execPath, ...args]] : ['npm', args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Packs this checkout's better-sqlite3 binary as prebuild-install names and packs a prebuild, into `dir`,
 * and points prebuild-install there with a .prebuild-installrc in `above`, which it finds walking up from
 * the package it installs (its `local-prebuilds` option). A global install of another better-sqlite3 than
 * this checkout's finds no such file and compiles, as it would without this.
 */
function offerPrebuild(dir: string, above: string): void {
  const pkgDir = path.join(repoRoot, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
    ?.glibcVersionRuntime;
  const libc = process.platform === 'linux' && !glibc ? 'musl' : '';
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`;
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-czf', path.join(dir, name), '-C', pkgDir, 'build/Release/better_sqlite3.node']);
  fs.writeFileSync(path.join(above, '.prebuild-installrc'), `local-prebuilds=${dir}\n`);
}

describe('npm pack and npm install -g of the tarball', () => {
  let work: string;
  let packed: { filename: string; size: number; files: { path: string }[] };
  let prefix: string;
  let installed: string;
  let vmBin: string;
  let install: Run;
  let backend: BackendProcess | undefined;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-install-'));
    const checkout = path.join(work, 'checkout');
    fs.cpSync(repoRoot, checkout, {
      recursive: true,
      filter: (src) => !NOT_COPIED.has(path.relative(repoRoot, src).split(path.sep)[0] as string),
    });
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(checkout, 'node_modules'), 'dir');

    const pack = await npm(['pack', '--json', '--pack-destination', work], checkout);
    if (pack.code !== 0) throw new Error(`npm pack failed (${pack.code}):\n${pack.stderr}`);
    packed = (parseJson(pack.stdout) as (typeof packed)[])[0] as typeof packed;

    prefix = path.join(work, 'prefix');
    offerPrebuild(path.join(work, 'prebuilds'), work);
    const tarball = path.join(work, packed.filename);
    install = await npm(
      [
        'install',
        '-g',
        tarball,
        ...INSTALL_FLAGS,
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ],
      work,
    );
    installed = path.join(prefix, 'lib', 'node_modules', 'vm-cli');
    vmBin = path.join(prefix, 'bin', 'vm');
  }, 300_000);

  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('packs the built CLI, its launcher, the fixtures and the docs, and nothing else', () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'bin/vm.js',
        'dist/entry.js',
        'dist/history-thread.js',
        'fixtures/catalog.json',
        'fixtures/demo-company.json',
        'docs/CLI.md',
        'docs/openapi.json',
      ]),
    );
    expect(files.filter((f) => !SHIPPED.test(f))).toEqual([]);
  });

  it('installs globally with the README command, running better-sqlite3 script and warning of nothing', () => {
    expect({ code: install.code, stderr: install.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(install.stderr).not.toMatch(/install-scripts|EBADENGINE|ERR!/);
    expect(
      fs.existsSync(path.join(installed, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')),
    ).toBe(true);
    // Runtime dependencies only: no devDependency is installed, so none is needed to run what follows.
    for (const dev of ['jest', 'esbuild', 'typescript', 'eslint']) {
      expect(fs.existsSync(path.join(installed, 'node_modules', dev))).toBe(false);
    }
  });

  it('installs no dependency that refuses the oldest Node.js vm supports', () => {
    expect(refusingNode(oldestNode(installed), runtimePackages(installed))).toEqual([]);
  });

  it('gives a vm on the prefix bin/ that prints its help', async () => {
    const r = await runVm(['--help'], { bin: vmBin });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Usage: vm /);
    expect(r.stdout).toContain('backend');
  });

  it('starts the installed backend and lists its numbers after a login', async () => {
    backend = await startBackendProcess({ bin: vmBin });
    expect(backend.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const configHome = makeConfigHome();
    const login = await runVm(['login', '--email', demo.admin.email, '--password-stdin'], {
      bin: vmBin,
      server: backend.url,
      configHome,
      stdin: `${demo.admin.password}\n`,
    });
    expect({ code: login.code, stderr: login.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const list = await runVm(['numbers', 'list', '--json'], { bin: vmBin, server: backend.url, configHome });
    expect({ code: list.code, stderr: list.stderr }).toEqual({ code: 0, stderr: '' });
    expect(parseJson<Line[]>(list.stdout)).toHaveLength(demo.lines);
    await backend.stop();
    expect(backend.stderr()).toBe('');
  });
});
