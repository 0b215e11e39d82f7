import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnVm } from './backend-process.js';

export interface RunVmOptions {
  /** VM_SERVER for the run. */
  server?: string;
  /** XDG_CONFIG_HOME for the run (XDG_CACHE_HOME is its cache/); a fresh temp dir (removed afterwards) when not given. */
  configHome?: string;
  /** Overrides of the environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed (it is always closed, so nothing waits for input). */
  stdin?: string;
  /** Killed after this long (default 30 s). */
  timeoutMs?: number;
  /** An installed `vm` to run instead of this checkout's bin/vm.js (e.g. PREFIX/bin/vm of npm install -g). */
  bin?: string;
  /** Sees the vm process once it is spawned (to signal it while it runs). */
  onSpawn?: (child: ChildProcess) => void;
}

export interface RunVmResult {
  /** The exit code; -1 when the run was killed by a signal or the timeout. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Variables of the test runner that would change how vm behaves. */
const INHERITED_BUT_CLEARED =
  /^(VM_|XDG_CONFIG_HOME$|XDG_CACHE_HOME$|NO_COLOR$|FORCE_COLOR$|LC_ALL$|LC_MESSAGES$|LANGUAGE$)/;

const tempDirs = new Set<string>();

/** A fresh, empty temp dir to use as XDG_CONFIG_HOME; removed by `removeTempDirs()`. */
export function makeConfigHome(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-config-'));
  tempDirs.add(dir);
  return dir;
}

/** Removes every dir `makeConfigHome()` made (call it in afterAll). */
export function removeTempDirs(): void {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** Runs the real `bin/vm.js` as a script would: no TTY, CI=true, a clean environment. */
export async function runVm(args: string[], opts: RunVmOptions = {}): Promise<RunVmResult> {
  const ownConfigHome = opts.configHome === undefined;
  const configHome = opts.configHome ?? fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-config-'));
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!INHERITED_BUT_CLEARED.test(k)) env[k] = v;
  // The completion cache too lives in the run's own dir (a change forgets it), never in the user's home.
  Object.assign(env, {
    CI: 'true',
    LANG: 'C.UTF-8',
    XDG_CONFIG_HOME: configHome,
    XDG_CACHE_HOME: path.join(configHome, 'cache'),
  });
  if (opts.server !== undefined) env.VM_SERVER = opts.server;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];

  const timeoutMs = opts.timeoutMs ?? 30_000;
  try {
    return await new Promise<RunVmResult>((resolve, reject) => {
      const child = spawnVm(args, opts.bin, env as NodeJS.ProcessEnv);
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      // Decode as a stream: a Cyrillic letter split between two chunks must not turn into U+FFFD.
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (d: string) => (stdout += d));
      child.stderr.on('data', (d: string) => (stderr += d));
      // vm may exit before reading its input; that is not a test failure.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.stdin ?? '');
      opts.onSpawn?.(child);
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        if (timedOut) stderr += `\n[runVm: killed after ${timeoutMs} ms: vm ${args.join(' ')}]`;
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  } finally {
    if (ownConfigHome) fs.rmSync(configHome, { recursive: true, force: true });
  }
}

/** Logs in with --password-stdin into `configHome`; throws with vm's stderr when that fails. */
export async function loginAs(
  server: string,
  configHome: string,
  email: string,
  password: string,
): Promise<void> {
  const r = await runVm(['login', '--email', email, '--password-stdin'], {
    server,
    configHome,
    stdin: `${password}\n`,
  });
  if (r.code !== 0) throw new Error(`vm login as ${email} failed with exit ${r.code}: ${r.stderr}`);
}

/** Parses vm's JSON output, failing with the text when it is not JSON. */
export function parseJson<T>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`not JSON:\n${text.slice(0, 2000)}`);
  }
}

/** The demo company's users (see the demo company generator). */
export const demo = {
  admin: { email: 'admin@demo.test', password: 'admin-demo-1', phone: '+79990000001' },
  manager: { email: 'manager@demo.test', password: 'manager-demo-1' },
  viewer: { email: 'viewer@demo.test', password: 'viewer-demo-1' },
  lines: 250,
  salesGroups: ['sales', 'sales-north', 'sales-south'],
} as const;
