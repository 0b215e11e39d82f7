// Call details as a spreadsheet: `vm detail --all --period 2026-10 --xlsx FILE` of about 100,000 and
// 1,000,000 records (backends of 340 and 3,400 lines), against the same export as CSV (`--csv --output
// FILE`) in the same run, the baseline. Goals: the CLI's peak RSS stays flat — the xlsx writer waits for its
// zip and never holds the records, so a million records take about what 100,000 do (≤ 1.25×) — and stays
// ≤ 150 MB; the ratios xlsx/CSV of peak RSS and of time are printed (ExcelJS builds each row's XML in
// JavaScript: an xlsx is many times slower than CSV bytes copied from the backend).
// A report, not a test: it always exits 0. Run after a build: node bench/xlsx.js [--quick: 100,000 only]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VM, startBackend, stopBackend, timed } from './support/processes.js';

const SIZES = process.argv.includes('--quick') ? [340] : [340, 3_400];
const BACKEND_ARGS = ['--clock', '2026-11-20T10:00:00Z'];

const mb = (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : 'n/a');
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
const size = (file) => `${(fs.statSync(file).size / 1e6).toFixed(1)} MB`;

/** One company of `lines` lines: the CSV and the xlsx export of its October, each with its peak RSS. */
async function measure(lines) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-bench-xlsx-'));
  const { child, url } = await startBackend(path.join(tmp, 'data'), [
    '--lines',
    String(lines),
    ...BACKEND_ARGS,
  ]);
  const env = { ...process.env, VM_SERVER: url, XDG_CONFIG_HOME: path.join(tmp, 'config'), VM_LANG: 'en' };
  try {
    const login = timed([process.execPath, VM, 'login', '--email', 'admin@demo.test', '--password-stdin'], {
      env,
      input: 'admin-demo-1\n',
    });
    if (login.code !== 0) throw new Error(login.stderr);
    const detail = (...args) =>
      timed([process.execPath, VM, 'detail', '--all', '--period', '2026-10', ...args], { env });
    const check = (r, what) => {
      if (r.code !== 0) throw new Error(`vm detail ${what} exited ${r.code}: ${r.stderr}`);
      return Number(/Wrote (\d+) records/.exec(r.stderr)?.[1] ?? NaN);
    };
    // The first export generates and stores the records; the two measured ones read them.
    const csvFile = path.join(tmp, 'detail.csv');
    check(detail('--csv', '--output', csvFile), '--csv (first)');
    const csv = detail('--csv', '--output', csvFile);
    const records = check(csv, '--csv');
    const xlsxFile = path.join(tmp, 'detail.xlsx');
    const xlsx = detail('--xlsx', xlsxFile);
    const written = check(xlsx, '--xlsx');
    if (written !== records) throw new Error(`the xlsx has ${written} records, the CSV ${records}`);
    const result = { lines, records, csv, xlsx, csvSize: size(csvFile), xlsxSize: size(xlsxFile) };
    console.log(
      `${records.toLocaleString('en')} records (${lines} lines): CSV ${s(csv.ms)}, CLI peak RSS ${mb(csv.rss)}, ` +
        `${result.csvSize}; xlsx ${s(xlsx.ms)}, CLI peak RSS ${mb(xlsx.rss)}, ${result.xlsxSize}; ` +
        `xlsx/CSV: RSS ${(xlsx.rss / csv.rss).toFixed(2)}×, time ${(xlsx.ms / csv.ms).toFixed(1)}×`,
    );
    return result;
  } finally {
    await stopBackend(child);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  const results = [];
  for (const lines of SIZES) results.push(await measure(lines));
  const ok = (kb) => (Number.isFinite(kb) ? (kb <= 150 * 1024 ? 'PASS' : 'OVER') : 'n/a');
  const peak = Math.max(...results.map((r) => r.xlsx.rss));
  console.log(`xlsx peak RSS: ${mb(peak)} ${ok(peak)} (goal ≤ 150 MB)`);
  if (results.length === 2) {
    const [small, big] = results;
    const growth = big.xlsx.rss / small.xlsx.rss;
    console.log(
      `flat memory: xlsx peak RSS at ${big.records.toLocaleString('en')} / at ${small.records.toLocaleString('en')} ` +
        `records = ${growth.toFixed(2)}× (goal ≤ 1.25×) ${Number.isFinite(growth) ? (growth <= 1.25 ? 'PASS' : 'OVER') : 'n/a'}`,
    );
  }
}

main().catch((err) => {
  console.error(`bench/xlsx failed: ${err.message}`);
});
