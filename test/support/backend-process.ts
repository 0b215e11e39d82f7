import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, where `bin/vm.js` lives. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const vmBin = path.join(repoRoot, 'bin', 'vm.js');

export interface BackendProcessOptions {
  lines?: number;
  seed?: number;
  /** ISO time: run the backend on a manual clock starting there. */
  clock?: string;
  testMode?: boolean;
  /**
   * `--rate-limit`: 'off' by default, since tests make many fast requests; e.g. 'read=5/s:5', or null for
   * no flag (the backend's own defaults).
   */
  rateLimit?: string | null;
  extraArgs?: string[];
  /** Use this data dir and keep it after stop() (for restart tests); default: a fresh temp dir, removed. */
  dataDir?: string;
  /** An installed `vm` to run (see runVm's `bin`); default: this checkout's bin/vm.js. */
  bin?: string;
}

export interface BackendProcess {
  url: string;
  dataDir: string;
  process: ChildProcess;
  /** What it wrote to stderr so far; all of it once stop() or kill() resolved. */
  stderr(): string;
  /** SIGTERM, wait for the exit, remove the data dir. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash, and wait for the exit; the data dir stays as the crash left it. */
  kill(): Promise<void>;
}

/**
 * Spawns vm with its three streams piped: this checkout's bin/vm.js under this Node.js from the repository
 * root, or an installed `vm` (`bin`, e.g. PREFIX/bin/vm) by its own path, as a shell would, from the temp
 * dir, so that nothing it reads comes from this checkout; the Node.js running the tests comes first on its
 * PATH then, for the launcher's `#!/usr/bin/env node`.
 */
export function spawnVm(
  args: string[],
  bin: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ChildProcessWithoutNullStreams {
  if (bin === undefined) return spawn(process.execPath, [vmBin, ...args], { cwd: repoRoot, env });
  const PATH = [path.dirname(process.execPath), env.PATH].filter(Boolean).join(path.delimiter);
  return spawn(bin, args, { cwd: os.tmpdir(), env: { ...env, PATH } });
}

const STARTUP_TIMEOUT_MS = 20_000;
const LISTENING = /^vm backend listening on (\S+)$/m;

/** Runs `vm backend start --port 0` on a fresh temp data dir and resolves once it says where it listens. */
export async function startBackendProcess(opts: BackendProcessOptions = {}): Promise<BackendProcess> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-backend-'));
  const args = ['backend', 'start', '--port', '0', '--data', dataDir];
  if (opts.lines !== undefined) args.push('--lines', String(opts.lines));
  if (opts.seed !== undefined) args.push('--seed', String(opts.seed));
  if (opts.clock !== undefined) args.push('--clock', opts.clock);
  if (opts.testMode) args.push('--test-mode');
  if (opts.rateLimit !== null) args.push('--rate-limit', opts.rateLimit ?? 'off');
  args.push(...(opts.extraArgs ?? []));

  const child = spawnVm(args, opts.bin);
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  // 'close', not 'exit': by then stderr is read to its end, so stderr() holds the last log lines too.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
    if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const fail = (why: string) => reject(new Error(`vm backend start ${why}\nstderr:\n${stderr}`));
      const timer = setTimeout(
        () => fail(`did not listen within ${STARTUP_TIMEOUT_MS / 1000} s`),
        STARTUP_TIMEOUT_MS,
      );
      child.stdout.on('data', (d: string) => {
        stdout += d;
        const m = LISTENING.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(`exited (${signal ?? code}) before listening`);
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        fail(`could not be spawned: ${err.message}`);
      });
    });
    return { url, dataDir, process: child, stderr: () => stderr, stop, kill };
  } catch (err) {
    await stop();
    throw err;
  }
}
