// Call detail export: `vm detail --all --period 2026-10 --csv --output FILE` of about 1,000,000 records
// from a backend of 3,400 lines, against the baseline of `sqlite3 -csv` dumping the same rows from the
// backend's own database in the same run. Goals: export ≤ 2× sqlite3 once the records exist (the first
// export also generates and stores them, reported apart); peak RSS ≤ 150 MB for the CLI and the backend
// (a backend restarted on the seeded data, so the one-off seeding does not count).
// A report, not a test: it always exits 0. Run after a build: node bench/detail.js
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VM, startBackend, stopBackend, timed } from './support/processes.js';

const LINES = 3_400;
const BACKEND_ARGS = ['--lines', String(LINES), '--clock', '2026-11-20T10:00:00Z'];

/** Peak RSS of a running process (Linux), KB. */
function peakRss(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

const mb = (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : 'n/a');
const lineCount = (file) => {
  let n = 0;
  const buf = fs.readFileSync(file);
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
};

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-bench-detail-'));
  const dataDir = path.join(tmp, 'data');
  // Seed the company in a first run, then measure a backend started on it as an operator's would be.
  await stopBackend((await startBackend(dataDir, BACKEND_ARGS)).child);
  const { child, url } = await startBackend(dataDir, BACKEND_ARGS);
  const env = { ...process.env, VM_SERVER: url, XDG_CONFIG_HOME: path.join(tmp, 'config'), VM_LANG: 'en' };
  try {
    const login = timed([process.execPath, VM, 'login', '--email', 'admin@demo.test', '--password-stdin'], {
      env,
      input: 'admin-demo-1\n',
    });
    if (login.code !== 0) throw new Error(login.stderr);
    const file = path.join(tmp, 'detail.csv');
    const exportArgs = [
      process.execPath,
      VM,
      'detail',
      '--all',
      '--period',
      '2026-10',
      '--csv',
      '--output',
      file,
    ];
    const idleRss = peakRss(child.pid);
    const first = timed(exportArgs, { env });
    const firstRss = peakRss(child.pid);
    if (first.code !== 0) throw new Error(`vm detail exited ${first.code}: ${first.stderr}`);
    const records = lineCount(file) - 1;
    const warm = timed(exportArgs, { env });
    if (warm.code !== 0) throw new Error(`vm detail exited ${warm.code}: ${warm.stderr}`);
    const backendRss = peakRss(child.pid);
    console.log(
      `backend peak RSS: idle ${mb(idleRss)}, after the first export ${mb(firstRss)}, after the second ${mb(backendRss)}`,
    );

    const dump = path.join(tmp, 'sqlite.csv');
    const sql =
      "SELECT msisdn, started_at, kind, direction, peer, peer_name, location, seconds, bytes, printf('%.2f', cost / 100.0) " +
      "FROM cdr WHERE started_at >= '2026-10-01' AND started_at < '2026-11-01' ORDER BY msisdn, started_at, seq;";
    const sqliteBin = spawnSync('sqlite3', ['-version']).status === 0 ? 'sqlite3' : null;
    let baseline;
    if (sqliteBin) {
      const start = process.hrtime.bigint();
      const out = fs.openSync(dump, 'w');
      const res = spawnSync(
        sqliteBin,
        ['-readonly', '-csv', '-header', path.join(dataDir, 'vm-backend.sqlite'), sql],
        { stdio: ['ignore', out, 'inherit'] },
      );
      fs.closeSync(out);
      baseline = Number(process.hrtime.bigint() - start) / 1e6;
      if (res.status !== 0) baseline = undefined;
    }
    console.log(`detail: ${records.toLocaleString('en')} records from ${LINES} lines, October 2026`);
    console.log(
      `first export (generates and stores the records): ${(first.ms / 1000).toFixed(2)} s, CLI peak RSS ${mb(first.rss)}`,
    );
    console.log(`export of stored records: ${(warm.ms / 1000).toFixed(2)} s, CLI peak RSS ${mb(warm.rss)}`);
    if (baseline !== undefined) {
      const dumped = lineCount(dump) - 1;
      const ratio = warm.ms / baseline;
      console.log(
        `sqlite3 -csv of the same ${dumped.toLocaleString('en')} rows: ${(baseline / 1000).toFixed(2)} s; ` +
          `ratio ${ratio.toFixed(2)}× (goal ≤ 2×) ${ratio <= 2 ? 'PASS' : 'OVER'}`,
      );
    } else console.log('sqlite3 not installed (apt install sqlite3): no baseline');
    const rssOk = (kb) => (Number.isFinite(kb) ? (kb <= 150 * 1024 ? 'PASS' : 'OVER') : 'n/a');
    console.log(
      `peak RSS: CLI ${mb(Math.max(first.rss, warm.rss))} ${rssOk(Math.max(first.rss, warm.rss))}, ` +
        `backend ${mb(backendRss)} ${rssOk(backendRss)} (goal ≤ 150 MB each)`,
    );
  } finally {
    await stopBackend(child);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench/detail failed: ${err.message}`);
});
