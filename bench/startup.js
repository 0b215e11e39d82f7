// Startup time, against same-run baselines, so the numbers are what vm itself adds:
// - `vm --help` against a bare `node -e ''` (goal ≤ 1.6×);
// - `vm numbers show N`, one real GET /v1/numbers/{msisdn} to a backend this bench starts on loopback,
//   against a bare `node --input-type=module -e 'await fetch(…)'` doing the same GET with the same
//   Authorization header (goal ≤ 1.0×);
// - why the client's transport is node:http: the same GET over node:http as well, and the difference.
// Medians over interleaved runs. A report, not a test: it always exits 0. Run after a build: node bench/startup.js
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, VM, startBackend, stopBackend } from './support/processes.js';

const WARMUP = 3;
const RUNS = 20;
const HELP_GOAL = 1.6;
const SHOW_GOAL = 1.0;

// The bare scripts read the URL and the token from the environment (a token never goes in argv).
const FETCH_GET =
  'const r = await fetch(process.env.BENCH_URL, { headers: { authorization: `Bearer ${process.env.VM_TOKEN}` } });' +
  'if (!r.ok) { console.error(r.status); process.exit(1); } process.stdout.write(await r.text());';
const HTTP_GET =
  "import http from 'node:http';" +
  'const body = await new Promise((resolve, reject) => http.get(process.env.BENCH_URL,' +
  ' { headers: { authorization: `Bearer ${process.env.VM_TOKEN}` } }, (res) => {' +
  " if (res.statusCode !== 200) reject(new Error(String(res.statusCode))); let b = ''; res.setEncoding('utf8');" +
  " res.on('data', (d) => (b += d)); res.on('end', () => resolve(b)); }).on('error', reject));" +
  'process.stdout.write(body);';

/** Wall time of one run in milliseconds; stdout ignored, stderr kept for a failure report. */
function timeOnce({ args, env }) {
  const start = process.hrtime.bigint();
  const res = spawnSync(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 0) {
    throw new Error(`${args.join(' ')} exited ${res.status}: ${String(res.stderr).trim()}`);
  }
  return ms;
}

/** The q-quantile (0..1) of a list of numbers, nearest rank. */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Runs the subjects interleaved (a slower moment of the machine hits all alike); median and p90 by name. */
function measure(subjects) {
  for (const s of subjects) for (let i = 0; i < WARMUP; i++) timeOnce(s);
  const times = new Map(subjects.map((s) => [s.name, []]));
  for (let i = 0; i < RUNS; i++) for (const s of subjects) times.get(s.name).push(timeOnce(s));
  const stats = new Map();
  for (const s of subjects) {
    const t = times.get(s.name);
    stats.set(s.name, { median: quantile(t, 0.5), p90: quantile(t, 0.9) });
    console.log(
      `  ${s.name.padEnd(26)} median ${quantile(t, 0.5).toFixed(1)} ms  p90 ${quantile(t, 0.9).toFixed(1)} ms`,
    );
  }
  return stats;
}

/** "a X ms vs b Y ms → R× (goal ≤ G×) PASS|OVER" */
function compare(label, stats, a, b, goal) {
  const ratio = stats.get(a).median / stats.get(b).median;
  console.log(
    `${label}: ${a} ${stats.get(a).median.toFixed(1)} ms vs ${b} ${stats.get(b).median.toFixed(1)} ms ` +
      `(median of ${RUNS}) → ${ratio.toFixed(2)}× (goal ≤ ${goal}×) ${ratio <= goal ? 'PASS' : 'OVER'}`,
  );
}

/** vm run once outside the timing (set-up); its stdout, or an error with its stderr. */
function vm(args, env, input) {
  const res = spawnSync(process.execPath, [VM, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  if (res.status !== 0) throw new Error(`vm ${args.join(' ')} exited ${res.status}: ${res.stderr.trim()}`);
  return res.stdout;
}

function helpBench() {
  const stats = measure([
    { name: 'vm --help', args: [VM, '--help'] },
    { name: "node -e ''", args: ['-e', ''] },
  ]);
  compare('startup', stats, 'vm --help', "node -e ''", HELP_GOAL);
}

async function showBench() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-bench-startup-'));
  const { child, url } = await startBackend(path.join(tmp, 'data'), ['--lines', '250']);
  try {
    const base = { VM_SERVER: url, XDG_CONFIG_HOME: path.join(tmp, 'config'), VM_LANG: 'en' };
    vm(['login', '--email', 'admin@demo.test', '--password-stdin'], base, 'admin-demo-1\n');
    // An API token, so vm and the bare scripts send the very same Authorization header.
    const token = vm(['tokens', 'create', '--name', 'bench-startup', '--scope', 'numbers:read'], base).trim();
    const msisdn = vm(['numbers', 'list', '--fields', 'msisdn', '-o', 'tsv'], base).trim().split('\n')[1];
    const env = {
      ...base,
      VM_TOKEN: token,
      BENCH_URL: new URL(`/v1/numbers/${encodeURIComponent(msisdn)}`, url).href,
    };
    const subjects = [
      { name: `vm numbers show`, args: [VM, 'numbers', 'show', msisdn], env },
      { name: 'node: fetch GET', args: ['--input-type=module', '-e', FETCH_GET], env },
      { name: 'node: node:http GET', args: ['--input-type=module', '-e', HTTP_GET], env },
    ];
    console.log(`vm numbers show ${msisdn} against a backend on ${url}:`);
    const stats = measure(subjects);
    compare('one call', stats, 'vm numbers show', 'node: fetch GET', SHOW_GOAL);
    const extra = stats.get('node: fetch GET').median - stats.get('node: node:http GET').median;
    console.log(
      `transport: the same GET over fetch (Node's bundled undici) costs ${extra.toFixed(1)} ms more per process ` +
        'than over node:http, which is why the client stays on node:http',
    );
  } finally {
    await stopBackend(child);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  helpBench();
  await showBench();
}

main().catch((err) => {
  console.log(`startup: could not measure: ${err.message} (build first: npm run build)`);
});
process.exitCode = 0;
