// Bulk change under faults: `vm tariff set` from a CSV of 10,000 numbers, timed from submit to done (the
// CLI waits for the operation), on a backend without faults (the baseline) and on one started with
// --faults 'error=0.2,latency=20ms' --faults-seed 1, in the same run. Goal: ≤ 2× the time without faults.
// The faults cost the client's retries (a 503 waits a full-jitter backoff) and 20 ms on each request: the
// submission, the long polls of the wait and the pages of failed numbers. Every run starts from a copy of
// one seeded data dir of 10,000 lines with its history in (so the data and the outcome are the same and no
// backfill competes), alone on the machine once it has settled; 3 rounds, interleaved, medians.
// A report, not a test: it always exits 0. Run after a build: node bench/faults.js
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VM, startBackend, stopBackend, timed } from './support/processes.js';

const LINES = 10_000;
const FAULTS = 'error=0.2,latency=20ms';
const ROUNDS = 3;
const GOAL = 2;
const SETTLE_MS = 2000;

/** vm as a cron job runs it, with -v's request and retry lines on stderr. */
function runVm(args, env, input) {
  const r = timed([process.execPath, VM, ...args], { env: { ...process.env, ...env, VM_DEBUG: '1' }, input });
  if (r.code !== 0 && r.code !== 3) throw new Error(`vm ${args[0]} exited ${r.code}: ${r.stderr}`);
  return r;
}

/**
 * Seeds a data dir without faults and waits for its history; returns it with an API token (it lasts into
 * every copy, whatever port the copy listens on) and the CSV of every number.
 */
async function seed(tmp) {
  const dataDir = path.join(tmp, 'seeded');
  const { child, url } = await startBackend(dataDir, ['--lines', String(LINES)]);
  const env = { VM_SERVER: url, XDG_CONFIG_HOME: path.join(tmp, 'config'), VM_LANG: 'en' };
  try {
    runVm(['login', '--email', 'admin@demo.test', '--password-stdin'], env, 'admin-demo-1\n');
    while (!JSON.parse(runVm(['backend', 'status', '--json'], env).stdout).history.complete) await sleep(500);
    const token = runVm(['tokens', 'create', '--name', 'bench'], env).stdout.trim();
    const list = runVm(['numbers', 'list', '--fields', 'msisdn', '-o', 'tsv'], env);
    const file = path.join(tmp, 'numbers.csv');
    fs.writeFileSync(file, `msisdn\n${list.stdout.trim().split('\n').slice(1).join('\n')}\n`);
    return { dataDir, token, file };
  } finally {
    await stopBackend(child);
  }
}

/** The change of every number on a fresh copy of the seeded data dir, the backend started with `args`. */
async function bulkChange(tmp, seeded, name, args) {
  const dataDir = path.join(tmp, name);
  fs.cpSync(seeded.dataDir, dataDir, { recursive: true });
  const { child, url } = await startBackend(dataDir, args);
  const env = {
    VM_SERVER: url,
    VM_TOKEN: seeded.token,
    XDG_CONFIG_HOME: path.join(tmp, 'config'),
    VM_LANG: 'en',
  };
  try {
    // The backend still spends ~0.85 s of CPU in the first second after it listens (measured with
    // /proc/PID/stat): on a 2-core machine that would land on the timed change.
    await sleep(SETTLE_MS);
    const r = runVm(['tariff', 'set', 'SMART_PLUS', '--file', seeded.file, '--yes', '--no-color'], env);
    const requests = r.stderr.split('\n').filter((l) => l.startsWith('> '));
    return {
      ms: r.ms,
      outcome: /(\d+ changed, \d+ skipped, \d+ failed)/.exec(r.stderr)?.[1] ?? '?',
      requests: requests.length,
      retries: requests.filter((l) => /, retry \d+\/\d+ in /.test(l)).length,
    };
  } finally {
    await stopBackend(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => (ms / 1000).toFixed(2);

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-bench-faults-'));
  try {
    const seeded = await seed(tmp);
    const runs = { base: [], faults: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      runs.base.push(await bulkChange(tmp, seeded, `base-${round}`, []));
      runs.faults.push(
        await bulkChange(tmp, seeded, `faults-${round}`, ['--faults', FAULTS, '--faults-seed', '1']),
      );
    }
    for (const [what, rs] of [
      ['without faults', runs.base],
      [`under ${FAULTS}`, runs.faults],
    ])
      console.log(
        `bulk change of 10,000 numbers ${what}, ${ROUNDS} runs: ${rs.map((r) => `${s(r.ms)} s`).join(', ')}; ` +
          `${rs.map((r) => `${r.requests} requests (${r.retries} retries)`).join(', ')}; ${rs[0].outcome}`,
      );
    const outcomes = new Set([...runs.base, ...runs.faults].map((r) => r.outcome));
    if (outcomes.size > 1)
      console.log(`the runs did not end alike (${[...outcomes].join('; ')}): unlike work`);
    const base = median(runs.base.map((r) => r.ms));
    const faults = median(runs.faults.map((r) => r.ms));
    const ratio = faults / base;
    console.log(
      `bulk change of 10,000 numbers under ${FAULTS}: ${s(faults)} s (goal ≤ ${GOAL}× without faults: ` +
        `${ratio <= GOAL ? 'ok' : 'MISSED'}; ratio ${ratio.toFixed(2)}× the 10,000 without faults ${s(base)} s)`,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench/faults failed: ${err.message}`);
});
