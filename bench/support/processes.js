// What the benches share: starting a backend process and timing a command with its peak RSS.
// (bench/run.js runs only the top-level bench/*.js files, so this folder is never run as a bench.)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VM = path.join(ROOT, 'bin', 'vm.js');
const TIME_BIN = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * `vm backend start --port 0 --data DIR --rate-limit off ...args`; resolves with the child and its URL
 * once it listens. Without rate limits: the benches measure the backend and the CLI flat out (a probe
 * every 20 ms, bare HTTP loops), as their figures did before the backend had limits, so they stay
 * comparable. `stderr`: where its log goes (a file descriptor; the bench's own stderr by default);
 * `timeoutMs`: a backend not listening by then is killed and the promise rejects.
 */
export function startBackend(dataDir, args = [], { stderr = 'inherit', timeoutMs } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [VM, 'backend', 'start', '--port', '0', '--data', dataDir, '--rate-limit', 'off', ...args],
      {
        stdio: ['ignore', 'pipe', stderr],
      },
    );
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`backend not listening after ${timeoutMs / 1000} s`));
          }, timeoutMs);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`backend exited ${code}`));
    });
  });
}

/** Stops a backend started above and waits for it to exit. */
export async function stopBackend(child) {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/**
 * Runs a command under /usr/bin/time when present (peak RSS); returns wall ms, exit code, RSS KB (NaN
 * without /usr/bin/time), stdout and stderr (the RSS line removed).
 */
export function timed(argv, opts = {}) {
  const full = TIME_BIN ? [TIME_BIN, '-f', '%M', ...argv] : argv;
  const start = process.hrtime.bigint();
  const res = spawnSync(full[0], full.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const rss = TIME_BIN ? Number(String(res.stderr).trim().split('\n').pop()) : NaN;
  return { ms, code: res.status, rss, stdout: res.stdout, stderr: res.stderr };
}

/**
 * Like `timed`, without blocking the bench's event loop (so a probe or a sampler keeps running meanwhile).
 * `stdout`: 'pipe' (collected) or a file descriptor; `timeoutMs`: the command (and its children) is killed
 * after it, and the result says `timedOut`.
 */
export function timedAsync(argv, { env, input, stdout = 'pipe', timeoutMs = 300_000 } = {}) {
  const full = TIME_BIN ? [TIME_BIN, '-f', '%M', ...argv] : argv;
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(full[0], full.slice(1), {
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', stdout, 'pipe'],
      detached: true, // its own process group: a timeout kills /usr/bin/time and the command under it
    });
    let out = '';
    let err = '';
    if (child.stdout) child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    if (input !== undefined) child.stdin.end(input);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    let finished = false;
    const done = (code) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      let lines = err.trimEnd().split('\n');
      let rss = NaN;
      if (TIME_BIN) {
        // /usr/bin/time's own lines: the RSS last, and a note on a failed command before it.
        const last = lines[lines.length - 1] ?? '';
        if (/^\d+$/.test(last)) {
          rss = Number(last);
          lines = lines.slice(0, -1);
        }
        lines = lines.filter(
          (l) => !/^Command (exited with non-zero status|terminated by signal) \d+$/.test(l),
        );
      }
      const stderr = lines.join('\n');
      resolve({ ms, code, rss, stdout: out, stderr, timedOut });
    };
    child.on('error', (e) => {
      err += String(e.message);
      done(null);
    });
    child.on('close', (code) => done(code));
  });
}
