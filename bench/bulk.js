// Bulk change throughput: `vm tariff set` from a CSV of 10,000 and of 100,000 numbers against a backend
// holding 100,000 lines, timed from submit to done (the CLI waits for the operation). The baseline is the
// 10,000 run of the same session: the 100,000 run should take ~10× as long (linear growth).
// Goals: 10k ≤ 2 s, 100k ≤ 12 s. Also the CLI's peak RSS. A report, not a test: it always exits 0.
// Run after a build: node bench/bulk.js
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VM, startBackend, stopBackend, timed } from './support/processes.js';

const LINES = 100_000;

/** vm as a cron job runs it, timed with its peak RSS. */
function runVm(args, env, input) {
  return timed([process.execPath, VM, ...args], { env: { ...process.env, ...env }, input });
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-bench-bulk-'));
  const seedStart = process.hrtime.bigint();
  const { child, url } = await startBackend(path.join(tmp, 'data'), ['--lines', String(LINES)]);
  console.log(
    `backend with ${LINES} lines ready in ${(Number(process.hrtime.bigint() - seedStart) / 1e9).toFixed(1)} s`,
  );
  const env = { VM_SERVER: url, XDG_CONFIG_HOME: path.join(tmp, 'config'), VM_LANG: 'en' };
  try {
    const login = runVm(['login', '--email', 'admin@demo.test', '--password-stdin'], env, 'admin-demo-1\n');
    if (login.code !== 0) throw new Error(login.stderr);
    const list = runVm(['numbers', 'list', '--fields', 'msisdn', '-o', 'tsv'], env);
    const all = list.stdout.trim().split('\n').slice(1);
    const files = {};
    for (const [name, from, count] of [
      ['10k', 0, 10_000],
      ['100k', 0, 100_000],
    ]) {
      files[name] = path.join(tmp, `${name}.csv`);
      fs.writeFileSync(files[name], `msisdn\n${all.slice(from, from + count).join('\n')}\n`);
    }
    const results = {};
    // Different tariffs for the two runs, so the second one changes numbers rather than skipping them.
    for (const [name, tariff] of [
      ['10k', 'SMART_PLUS'],
      ['100k', 'BUSINESS_START'],
    ]) {
      // As a cron job runs it: the failed numbers on stdout, the summary on stderr.
      const r = runVm(['tariff', 'set', tariff, '--file', files[name], '--yes', '--no-color'], env);
      if (r.code !== 0 && r.code !== 3) throw new Error(`vm tariff set exited ${r.code}: ${r.stderr}`);
      const id = /Operation (op_\w+)/.exec(r.stderr)?.[1];
      const op = JSON.parse(runVm(['ops', 'show', id, '--json'], env).stdout);
      const items = [];
      for (const state of ['succeeded', 'skipped', 'failed'])
        for (let i = 0; i < op[state]; i++) items.push({ state });
      const tally = { succeeded: op.succeeded, skipped: op.skipped, failed: op.failed };
      results[name] = r;
      console.log(
        `bulk ${name}: ${(r.ms / 1000).toFixed(2)} s submit→done (${items.length} items: ${Object.entries(
          tally,
        )
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}), CLI peak RSS ${(r.rss / 1024).toFixed(0)} MB`,
      );
    }
    const growth = results['100k'].ms / results['10k'].ms;
    console.log(
      `bulk: 10k ${(results['10k'].ms / 1000).toFixed(2)} s (goal ≤ 2 s) ${results['10k'].ms <= 2000 ? 'PASS' : 'OVER'}; ` +
        `100k ${(results['100k'].ms / 1000).toFixed(2)} s (goal ≤ 12 s) ${results['100k'].ms <= 12000 ? 'PASS' : 'OVER'}; ` +
        `growth ×${growth.toFixed(1)} for ×10 the numbers (linear ≈ 10)`,
    );
  } finally {
    await stopBackend(child);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench/bulk failed: ${err.message}`);
});
