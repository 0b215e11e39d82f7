// Startup time: `node bin/vm.js --help` against a bare `node -e ''`, so the number is what vm itself adds.
// A report, not a test: it always exits 0. Run after a build: node bench/startup.js
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WARMUP = 3;
const RUNS = 20;
const GOAL = 1.6;

const subjects = [
  { name: 'vm --help', args: [path.join(ROOT, 'bin', 'vm.js'), '--help'] },
  { name: "node -e ''", args: ['-e', ''] },
];

/** Wall time of one run in milliseconds; stdout ignored, stderr kept for a failure report. */
function timeOnce(args) {
  const start = process.hrtime.bigint();
  const res = spawnSync(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
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

function main() {
  for (const s of subjects) for (let i = 0; i < WARMUP; i++) timeOnce(s.args);
  const times = new Map(subjects.map((s) => [s.name, []]));
  // interleaved, so a slower moment of the machine hits both alike
  for (let i = 0; i < RUNS; i++) for (const s of subjects) times.get(s.name).push(timeOnce(s.args));
  const stats = subjects.map((s) => {
    const t = times.get(s.name);
    return { name: s.name, median: quantile(t, 0.5), p90: quantile(t, 0.9) };
  });
  const [vm, node] = stats;
  for (const s of stats) {
    console.log(`  ${s.name.padEnd(11)} median ${s.median.toFixed(1)} ms  p90 ${s.p90.toFixed(1)} ms`);
  }
  const ratio = vm.median / node.median;
  console.log(
    `startup: ${vm.name} ${vm.median.toFixed(1)} ms vs ${node.name} ${node.median.toFixed(1)} ms (median of ${RUNS}) → ` +
      `${ratio.toFixed(2)}× (goal ≤ ${GOAL}×) ${ratio <= GOAL ? 'PASS' : 'OVER'}`,
  );
}

try {
  main();
} catch (err) {
  console.log(`startup: could not measure: ${err.message} (build first: npx tsc -p tsconfig.json)`);
}
process.exitCode = 0;
