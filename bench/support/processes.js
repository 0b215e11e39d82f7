// What the benches share: starting a backend process and timing a command with its peak RSS.
// (bench/run.js runs only the top-level bench/*.js files, so this folder is never run as a bench.)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VM = path.join(ROOT, 'bin', 'vm.js');
const TIME_BIN = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** `vm backend start --port 0 --data DIR ...args`; resolves with the child and its URL once it listens. */
export function startBackend(dataDir, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [VM, 'backend', 'start', '--port', '0', '--data', dataDir, ...args],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`backend exited ${code}`)));
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
