// A 100,000-line company (tracker issue 12), what a user sees of it, on one backend with a fresh data dir:
// 1. seeding: start to listening (goal ≤ 10 s);
// 2. the history backfill (3 months of daily usage, in the background): ready → `history.complete` of
//    GET /v1/status (goal ≤ 60 s), and a probe of GET /v1/me every 20 ms meanwhile (goal p99 ≤ 50 ms),
//    against the same probe on the idle backend right after (the baseline);
// 3. every report type over those 3 months through the CLI, which waits for a report job by itself
//    (goal ≤ 5 s each), with the probe running (p99);
// 4. `vm numbers list --jsonl` and `--csv` of every line (goal ≤ 3 s) against a bare node:http loop paging
//    GET /v1/numbers?limit=1000 in the same run (the ratio is what vm adds);
// 5. a dry run of a tariff change of every number from a CSV: seconds and CLI peak RSS (goal ≤ 150 MB);
// 6. the real change of every number (as bench/bulk.js: goal ≤ 12 s) with the probe running
//    (goal p99 ≤ 50 ms), and a block scheduled 2 s after it is submitted: how late it starts
//    (startedAt − scheduledAt, goal ≤ 1 s);
// 7. the backend's peak RSS through all of it (VmHWM; goal ≤ 200 MB), and that of a fresh 250-line
//    backend after a short tour: login, numbers list, one report (goal ≤ 150 MB).
// Every figure is one line `name: value (goal …: ok|MISSED; ratio …)`; a step that fails prints FAILED and
// the others still run. A report, not a test: it always exits 0, and it stops every backend it started.
// Run after a build: node bench/scale.js [--quick (20,000 lines, a smoke run) | --lines N]
// `npm run bench` runs the default 100,000 lines (a few minutes). The 1,000,000-line figures are a manual
// run, `node bench/scale.js --lines 1000000` (seeding, list, reports, bulk; the goals are for 100k, so a
// figure that grows with the company is printed without one there).
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { performance } from 'node:perf_hooks';
import { setInterval, clearInterval } from 'node:timers';
import { parseArgs } from 'node:util';
import { VM, startBackend, stopBackend, timedAsync } from './support/processes.js';

const DEFAULT_LINES = 100_000;
const QUICK_LINES = 20_000;
const GOAL_LINES = 100_000; // the goals below are for a company of this size
const PROBE_EVERY_MS = 20;
const STATUS_EVERY_MS = 250;
const RSS_EVERY_MS = 250;
const IDLE_PROBE_MS = 2_000;
const REPORT_TYPES = [
  'expenses',
  'usage',
  'inventory',
  'blocked',
  'limits',
  'activity',
  'tariff-optimization',
];
const CREDENTIALS = { login: 'admin@demo.test', password: 'admin-demo-1' };

const { values: flags } = parseArgs({
  options: { lines: { type: 'string' }, quick: { type: 'boolean', default: false } },
  strict: false,
});
const LINES = flags.lines !== undefined ? Number(flags.lines) : flags.quick ? QUICK_LINES : DEFAULT_LINES;
/** Timeouts grow with the company (a 1M run is allowed 10× as long). */
const SCALE = Math.max(1, LINES / DEFAULT_LINES);

// ---------------------------------------------------------------------------------------------------------
// Printing figures

const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const msText = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : 'n/a');
const mb = (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : 'n/a');
const int = (n) => n.toLocaleString('en');

/**
 * "goal ≤ 10 s: ok|MISSED". `sized`: the figure grows with the company, so its goal (set for 100k lines)
 * is judged at 100k lines or fewer only.
 */
function goal(text, pass, { sized = false } = {}) {
  if (sized && LINES > GOAL_LINES) return `no goal at ${int(LINES)} lines; ${int(GOAL_LINES)} goal ${text}`;
  if (pass === undefined) return `goal ${text}: n/a`;
  return `goal ${text}: ${pass ? 'ok' : 'MISSED'}`;
}

/** One figure: `name: value (part; part)`. */
function figure(name, value, parts = []) {
  const extra = parts.filter(Boolean);
  console.log(`${name}: ${value}${extra.length ? ` (${extra.join('; ')})` : ''}`);
}

function failed(name, why) {
  console.log(`${name}: FAILED (${String(why).split('\n')[0].slice(0, 300)})`);
}

/** The q-quantile (0..1) of a list of numbers, nearest rank. */
function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** A probe's figure: p50/p99/max of /v1/me over a phase, its goal on p99, its ratio to the idle p99. */
function probeFigure(name, stats, idle) {
  const value =
    stats.samples.length === 0
      ? 'no answer'
      : `p50 ${msText(stats.p50)}, p99 ${msText(stats.p99)}, max ${msText(stats.max)} over ${int(stats.samples.length)} calls`;
  figure(name, value, [
    goal('p99 ≤ 50 ms', stats.samples.length ? stats.p99 <= 50 : false),
    idle && idle.samples.length && stats.samples.length
      ? `ratio ${(stats.p99 / idle.p99).toFixed(1)}× the idle p99 ${msText(idle.p99)}`
      : '',
    stats.errors ? `${stats.errors} calls failed: ${stats.firstError}` : '',
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// HTTP from the bench itself (keep-alive, like a long-lived client)

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** One request; resolves with status and parsed JSON body (or the text when it is not JSON). */
function request(url, { method = 'GET', token, body, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        agent,
        timeout: timeoutMs,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode, body: json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function loginToken(url) {
  const res = await request(new URL('/v1/auth/login', url), { method: 'POST', body: CREDENTIALS });
  if (res.status !== 200 || !res.body.token)
    throw new Error(`POST /v1/auth/login: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

/**
 * GET /v1/me every 20 ms while it runs, each latency from its send to the end of its answer. Calls are
 * fired on the clock, not after the previous answer, so a backend that stalls shows in the figures.
 */
class Probe {
  constructor(url, token) {
    this.url = new URL('/v1/me', url);
    this.token = token;
    this.timer = undefined;
  }

  start() {
    this.samples = [];
    this.errors = 0;
    this.firstError = '';
    this.pending = new Set();
    this.timer = setInterval(() => this.fire(), PROBE_EVERY_MS);
  }

  fire() {
    const t0 = performance.now();
    const call = request(this.url, { token: this.token, timeoutMs: 10_000 }).then(
      (res) => {
        if (res.status === 200) this.samples.push(performance.now() - t0);
        else this.error(`${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      },
      (err) => this.error(err.message),
    );
    this.pending.add(call);
    call.finally(() => this.pending.delete(call));
  }

  error(message) {
    this.errors++;
    if (!this.firstError) this.firstError = message;
  }

  /** Stops firing, waits for the calls in flight, and gives the figures. */
  async stop() {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.pending]);
    return probeStats(this.samples, this.errors, this.firstError);
  }
}

/** A probe's figures over some latencies. */
function probeStats(samples, errors = 0, firstError = '') {
  return {
    samples,
    errors,
    firstError,
    p50: quantile(samples, 0.5),
    p99: quantile(samples, 0.99),
    max: samples.length ? samples.reduce((a, b) => Math.max(a, b)) : NaN,
  };
}

/** Samples a process's VmRSS and VmHWM (peak) every 250 ms; `peak()` is the highest seen. */
class RssSampler {
  constructor(pid) {
    this.pid = pid;
    this.hwm = NaN;
    this.maxRss = NaN;
    this.sample();
    this.timer = setInterval(() => this.sample(), RSS_EVERY_MS);
  }

  sample() {
    try {
      const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
      if (Number.isFinite(hwm)) this.hwm = Number.isFinite(this.hwm) ? Math.max(this.hwm, hwm) : hwm;
      if (Number.isFinite(rss)) this.maxRss = Number.isFinite(this.maxRss) ? Math.max(this.maxRss, rss) : rss;
    } catch {
      // not Linux, or the process is gone: keep what was seen
    }
  }

  peak() {
    this.sample();
    return Number.isFinite(this.hwm) ? this.hwm : this.maxRss;
  }

  stop() {
    clearInterval(this.timer);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const dayBefore = (day) => new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

// ---------------------------------------------------------------------------------------------------------
// The run

/** vm as a user runs it: timed with its peak RSS, stdout to a file descriptor or collected. */
function vm(args, env, { stdout = 'pipe', input, timeoutMs = 120_000 * SCALE } = {}) {
  return timedAsync([process.execPath, VM, ...args], { env, stdout, input, timeoutMs });
}

/** Why a vm run did not do its job, or undefined when it did (`codes`: the exit codes that are fine). */
function problem(r, codes = [0]) {
  if (r.timedOut) return `killed after ${secs(r.ms)}`;
  if (codes.includes(r.code)) return undefined;
  const message = r.stderr.trim().split('\n').filter(Boolean).pop() ?? '';
  return `exit ${r.code}: ${message}`;
}

/**
 * The backend's status. GET /v1/status first; if it answers with an error the bench says so once and
 * reads the same history fields from the backend's meta table (read-only) instead, so the run goes on.
 */
class StatusReader {
  constructor(url, token, dataDir) {
    this.url = new URL('/v1/status', url);
    this.token = token;
    this.dbFile = path.join(dataDir, 'vm-backend.sqlite');
    this.db = undefined;
    this.broken = undefined;
  }

  async read() {
    if (!this.broken) {
      try {
        const res = await request(this.url, { token: this.token, timeoutMs: 10_000 });
        if (res.status === 200) return res.body;
        this.broken = `GET /v1/status answered ${res.status} ${JSON.stringify(res.body)}`;
      } catch (err) {
        this.broken = `GET /v1/status: ${err.message}`;
      }
      console.log(`note: ${this.broken}; the history figures below read the backend's meta table instead`);
    }
    if (!this.db) {
      const { default: Database } = await import('better-sqlite3');
      this.db = new Database(this.dbFile, { readonly: true, fileMustExist: true });
    }
    const meta = Object.fromEntries(
      this.db
        .prepare(
          "SELECT key, value FROM meta WHERE key IN ('billing.start', 'history.from', 'history.backfilledFrom')",
        )
        .all()
        .map((r) => [r.key, r.value]),
    );
    const from = meta['history.from'];
    const backfilledFrom = meta['history.backfilledFrom'];
    return {
      history: {
        from,
        backfilledFrom,
        billingStart: meta['billing.start'],
        complete: backfilledFrom <= from,
      },
    };
  }

  close() {
    this.db?.close();
  }
}

/** A bare node:http client paging GET /v1/numbers?limit=1000 and writing JSON lines: the list baseline. */
const PAGING_LOOP = `
import http from 'node:http';
const agent = new http.Agent({ keepAlive: true });
const headers = { authorization: 'Bearer ' + process.env.BENCH_TOKEN };
const get = (url) => new Promise((resolve, reject) => http.get(url, { agent, headers }, (res) => {
  let body = ''; res.setEncoding('utf8'); res.on('data', (d) => (body += d));
  res.on('end', () => res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(res.statusCode + ' ' + body)));
}).on('error', reject));
let cursor = null; let count = 0;
do {
  const url = new URL('/v1/numbers', process.env.BENCH_URL);
  url.searchParams.set('limit', '1000');
  if (cursor) url.searchParams.set('cursor', cursor);
  const page = await get(url);
  process.stdout.write(page.data.map((n) => JSON.stringify(n)).join('\\n') + '\\n');
  count += page.data.length; cursor = page.nextCursor;
} while (cursor);
agent.destroy();
process.stderr.write('numbers ' + count + '\\n');
`;

/** The msisdns of a JSON-lines file, streamed (a 1M-line list does not fit one string). */
async function msisdnsOf(file) {
  const out = [];
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) if (line) out.push(JSON.parse(line).msisdn);
  return out;
}

async function main() {
  if (!Number.isInteger(LINES) || LINES < 1) {
    console.log(`scale: --lines wants a whole number of lines, not ${flags.lines}`);
    return;
  }
  console.log(`scale: a company of ${int(LINES)} lines${flags.quick ? ' (--quick)' : ''}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-bench-scale-'));
  const dataDir = path.join(tmp, 'data');
  const logFile = path.join(tmp, 'backend.log');
  const devNull = fs.openSync('/dev/null', 'w');
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'config'), VM_LANG: 'en', NO_COLOR: '1' };
  let backend;
  let sampler;
  let probe;
  let status;
  const cliRss = [];
  let seededRss = NaN;
  let afterReportsRss = NaN;
  try {
    // 1. Seeding: start to listening.
    const logFd = fs.openSync(logFile, 'a');
    const t0 = performance.now();
    try {
      backend = await startBackend(dataDir, ['--lines', String(LINES), '--log-level', 'warn'], {
        stderr: logFd,
        timeoutMs: 120_000 * SCALE,
      });
    } finally {
      fs.closeSync(logFd);
    }
    const readyMs = performance.now() - t0;
    sampler = new RssSampler(backend.child.pid);
    const { url } = backend;
    env.VM_SERVER = url;
    figure('backend ready (seeding)', secs(readyMs), [goal('≤ 10 s', readyMs <= 10_000, { sized: true })]);
    seededRss = sampler.peak();

    const token = await loginToken(url);
    probe = new Probe(url, token);
    status = new StatusReader(url, token, dataDir);

    // 2. The history backfill, with the probe running.
    probe.start();
    const historyStart = performance.now();
    const historyDeadline = historyStart + 300_000 * SCALE;
    let history;
    for (;;) {
      try {
        history = (await status.read()).history;
      } catch (err) {
        failed('history', err.message);
        break;
      }
      if (history.complete || performance.now() > historyDeadline) break;
      await sleep(STATUS_EVERY_MS);
    }
    const historyMs = performance.now() - historyStart;
    const duringBackfill = await probe.stop();
    if (history) {
      const months = `${history.from} → ${dayBefore(history.billingStart)}`;
      const lineDays = LINES * ((Date.parse(history.billingStart) - Date.parse(history.from)) / 86_400_000);
      if (history.complete)
        figure('history backfill (ready → complete)', secs(historyMs), [
          goal('≤ 60 s', historyMs <= 60_000, { sized: true }),
          `${months}, ${int(LINES)} lines, ${int(Math.round((lineDays / historyMs) * 1000))} line-days/s`,
        ]);
      else
        figure('history backfill (ready → complete)', `not complete after ${secs(historyMs)}`, [
          goal('≤ 60 s', false, { sized: true }),
          `filled from ${history.backfilledFrom} down to ${history.from} so far`,
        ]);
    }
    figure('backend peak RSS after seeding', mb(seededRss));
    probe.start();
    await sleep(IDLE_PROBE_MS);
    const idle = await probe.stop();
    figure(
      '/v1/me on the idle backend (baseline)',
      `p50 ${msText(idle.p50)}, p99 ${msText(idle.p99)}, max ${msText(idle.max)} over ${int(idle.samples.length)} calls`,
    );
    probeFigure('/v1/me during the backfill', duringBackfill, idle);

    // 3. Every report type over the history months, as a user gets it (the CLI waits for a job itself).
    const login = await vm(['login', '--email', CREDENTIALS.login, '--password-stdin'], env, {
      input: `${CREDENTIALS.password}\n`,
    });
    if (problem(login)) throw new Error(`vm login: ${problem(login)}`);
    const from = history?.from;
    const to = history ? dayBefore(history.billingStart) : undefined;
    let filters = new Map();
    const list = await vm(['report', 'list', '--json'], env);
    if (problem(list)) failed('vm report list', problem(list));
    else filters = new Map(JSON.parse(list.stdout).map((r) => [r.type, r.filters]));
    const types = filters.size ? [...filters.keys()] : REPORT_TYPES;
    // The probe per report (which one stalls the backend) and over all of them.
    const all = probeStats([]);
    for (const type of types) {
      const period =
        (filters.get(type) ?? ['from']).includes('from') && from ? ['--from', from, '--to', to] : [];
      probe.start();
      const r = await vm(['report', type, ...period, '--json'], env, { stdout: devNull });
      const p = await probe.stop();
      all.samples.push(...p.samples);
      all.errors += p.errors;
      all.firstError ||= p.firstError;
      cliRss.push(r.rss);
      const name = `report ${type}${period.length ? ` ${from}..${to}` : ''}`;
      if (problem(r)) failed(name, `${problem(r)} after ${secs(r.ms)}`);
      else
        figure(name, secs(r.ms), [
          goal('≤ 5 s', r.ms <= 5_000, { sized: true }),
          `/v1/me p99 ${msText(p.p99)} meanwhile`,
          `CLI peak RSS ${mb(r.rss)}`,
        ]);
    }
    probeFigure('/v1/me during the reports', probeStats(all.samples, all.errors, all.firstError), idle);
    afterReportsRss = sampler.peak();

    // 4. The list of every line, against a bare paging loop.
    const jsonlFile = path.join(tmp, 'numbers.jsonl');
    const jsonlFd = fs.openSync(jsonlFile, 'w');
    const jsonl = await vm(['numbers', 'list', '--jsonl'], env, { stdout: jsonlFd });
    fs.closeSync(jsonlFd);
    cliRss.push(jsonl.rss);
    const csv = await vm(['numbers', 'list', '--csv'], env, { stdout: devNull });
    cliRss.push(csv.rss);
    const bare = await timedAsync([process.execPath, '--input-type=module', '-e', PAGING_LOOP], {
      env: { ...process.env, BENCH_URL: url, BENCH_TOKEN: token },
      stdout: devNull,
      timeoutMs: 120_000 * SCALE,
    });
    const bareCount = Number(/numbers (\d+)/.exec(bare.stderr)?.[1]);
    const bareOk = !bare.timedOut && bare.code === 0;
    if (bareOk)
      figure('bare node:http paging loop, limit=1000 (baseline)', secs(bare.ms), [
        `${int(bareCount)} numbers`,
      ]);
    else failed('bare node:http paging loop (baseline)', problem(bare));
    let msisdns = [];
    if (problem(jsonl)) failed('vm numbers list --jsonl', problem(jsonl));
    else {
      msisdns = await msisdnsOf(jsonlFile);
      figure('vm numbers list --jsonl', secs(jsonl.ms), [
        goal('≤ 3 s', jsonl.ms <= 3_000, { sized: true }),
        bareOk ? `ratio ${(jsonl.ms / bare.ms).toFixed(2)}× the bare loop` : '',
        msisdns.length === LINES
          ? `${int(msisdns.length)} numbers`
          : `${int(msisdns.length)} numbers, not ${int(LINES)}`,
        `CLI peak RSS ${mb(jsonl.rss)}`,
      ]);
    }
    if (problem(csv)) failed('vm numbers list --csv', problem(csv));
    else
      figure('vm numbers list --csv', secs(csv.ms), [
        goal('≤ 3 s', csv.ms <= 3_000, { sized: true }),
        bareOk ? `ratio ${(csv.ms / bare.ms).toFixed(2)}× the bare loop` : '',
        `CLI peak RSS ${mb(csv.rss)}`,
      ]);
    fs.rmSync(jsonlFile, { force: true });
    if (msisdns.length === 0) throw new Error('no list of numbers, so no dry run nor bulk change');
    const allCsv = path.join(tmp, 'all.csv');
    fs.writeFileSync(allCsv, `msisdn\n${msisdns.join('\n')}\n`);

    // 5. A dry run of a change of every number.
    const dry = await vm(['tariff', 'set', 'SMART_PLUS', '--file', allCsv, '--dry-run', '--json'], env, {
      stdout: devNull,
    });
    if (problem(dry, [0, 3]))
      failed(`dry run of a change of ${int(msisdns.length)} numbers`, problem(dry, [0, 3]));
    else
      figure(`dry run of a change of ${int(msisdns.length)} numbers`, secs(dry.ms), [
        `CLI peak RSS ${mb(dry.rss)}`,
        goal('CLI RSS ≤ 150 MB', dry.rss <= 150 * 1024, { sized: true }),
      ]);

    // 6. The change itself, with the probe running, and two blocks scheduled to fall due during it: one
    //    submitted 2 s ahead right before the bulk change (so it is older than the bulk operation), one
    //    submitted 1.5 s ahead once the bulk operation runs (younger: it has to get in between its chunks).
    const before = await scheduleBlock(env, msisdns[0], 2_000);
    probe.start();
    const bulkWallStart = Date.now();
    const bulkRun = vm(['tariff', 'set', 'BUSINESS_START', '--file', allCsv, '--yes', '--no-color'], env, {
      stdout: devNull,
    });
    let bulkDone = false;
    bulkRun.finally(() => (bulkDone = true));
    const during = (async () => {
      // GET /v1/operations?state=running&type=tariff.change until the bulk operation shows up.
      const running = new URL('/v1/operations?state=running&type=tariff.change', url);
      while (!bulkDone) {
        const res = await request(running, { token }).catch(() => undefined);
        if (res?.status === 200 && res.body.data?.length) return scheduleBlock(env, msisdns[1], 1_500);
        await sleep(100);
      }
      return { error: 'the bulk operation was never seen running' };
    })();
    const bulk = await bulkRun;
    const duringBulk = await probe.stop();
    const inRun = await during;
    cliRss.push(bulk.rss);
    const bulkId = /Operation (op_\w+)/.exec(bulk.stderr)?.[1];
    let bulkOp;
    if (problem(bulk, [0, 3])) failed(`bulk change of ${int(msisdns.length)} numbers`, problem(bulk, [0, 3]));
    else {
      if (bulkId) bulkOp = await showOp(env, bulkId, () => true);
      figure(`bulk change of ${int(msisdns.length)} numbers (submit → done)`, secs(bulk.ms), [
        goal('≤ 12 s as bench/bulk.js', bulk.ms <= 12_000, { sized: true }),
        bulkOp ? `${bulkOp.succeeded} succeeded, ${bulkOp.skipped} skipped, ${bulkOp.failed} failed` : '',
        bulkOp?.startedAt && bulkOp.finishedAt
          ? `its operation ran ${relative(bulkOp.startedAt, bulkWallStart)} → ${relative(bulkOp.finishedAt, bulkWallStart)} into the command`
          : '',
        `CLI peak RSS ${mb(bulk.rss)}`,
      ]);
    }
    probeFigure('/v1/me during the bulk change', duringBulk, idle);
    for (const [name, block] of [
      ['block scheduled before the bulk change, started late by', before],
      ['block scheduled while the bulk change runs, started late by', inRun],
    ])
      await blockFigure(env, name, block, bulkOp, bulkWallStart);
  } catch (err) {
    failed('scale', err.message);
  } finally {
    if (probe?.timer) await probe.stop();
    // 7. The backend's peak RSS through all of it (also when a step above failed).
    if (sampler) {
      const peak = sampler.peak();
      sampler.stop();
      figure('backend peak RSS (VmHWM) through all of it', mb(peak), [
        goal('≤ 200 MB', peak <= 200 * 1024, { sized: true }),
        `after seeding ${mb(seededRss)}, after the reports ${mb(afterReportsRss)}`,
      ]);
    }
    const cliPeaks = cliRss.filter(Number.isFinite);
    if (cliPeaks.length)
      figure('CLI peak RSS of the reports, lists and bulk change', mb(Math.max(...cliPeaks)));
    status?.close();
    if (backend) await stopBackend(backend.child);
  }

  // A fresh small backend after a short tour, for the RSS of an ordinary company.
  await smallTour(tmp, devNull);
  reportLog(logFile);
  agent.destroy();
  fs.closeSync(devNull);
  fs.rmSync(tmp, { recursive: true, force: true });
}

/** `vm block N --at (now + aheadMs) --no-wait`: the operation id, or why there is none. */
async function scheduleBlock(env, msisdn, aheadMs) {
  const at = new Date(Date.now() + aheadMs).toISOString();
  const r = await vm(['block', msisdn, '--reason', 'lost', '--at', at, '--yes', '--no-wait', '--json'], env);
  const id = /op_\w+/.exec(`${r.stdout} ${r.stderr}`)?.[0];
  if (problem(r) || !id) return { error: problem(r) ?? 'no operation id' };
  return { id };
}

/** `vm ops show ID --json` until `ready(op)` (30 s at most); the last operation seen, or undefined. */
async function showOp(env, id, ready) {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const r = await vm(['ops', 'show', id, '--json'], env);
    if (problem(r)) return undefined;
    const op = JSON.parse(r.stdout);
    if (ready(op) || performance.now() > deadline) return op;
    await sleep(500);
  }
}

/** Seconds from the start of the bulk command to an ISO time. */
const relative = (iso, wallStart) => `${((Date.parse(iso) - wallStart) / 1000).toFixed(1)} s`;

/** How late a scheduled block started (startedAt − scheduledAt), and where its due time fell. */
async function blockFigure(env, name, block, bulkOp, bulkWallStart) {
  if (block.error) return failed(name, block.error);
  const op = await showOp(env, block.id, (o) => Boolean(o.startedAt));
  if (!op) return failed(name, `vm ops show ${block.id} failed`);
  if (!op.startedAt || !op.scheduledAt)
    return failed(name, `not started 30 s after the bulk (state ${op.state})`);
  const lateMs = Date.parse(op.startedAt) - Date.parse(op.scheduledAt);
  const due = Date.parse(op.scheduledAt);
  const ran = bulkOp?.startedAt && bulkOp.finishedAt;
  const underLoad = ran ? due <= Date.parse(bulkOp.finishedAt) : undefined;
  figure(name, secs(lateMs), [
    goal('≤ 1 s', lateMs <= 1_000),
    `due ${relative(op.scheduledAt, bulkWallStart)}, started ${relative(op.startedAt, bulkWallStart)} into the bulk command`,
    underLoad === false ? 'due after the bulk operation finished: no figure under load' : '',
    `state ${op.state}`,
  ]);
}

/** A 250-line backend: login, numbers list, one report; its peak RSS. */
async function smallTour(tmp, devNull) {
  const logFd = fs.openSync(path.join(tmp, 'small.log'), 'a');
  let small;
  let sampler;
  try {
    small = await startBackend(path.join(tmp, 'small'), ['--lines', '250', '--log-level', 'warn'], {
      stderr: logFd,
      timeoutMs: 60_000,
    });
    sampler = new RssSampler(small.child.pid);
    const env = {
      ...process.env,
      VM_SERVER: small.url,
      XDG_CONFIG_HOME: path.join(tmp, 'small-config'),
      VM_LANG: 'en',
      NO_COLOR: '1',
    };
    const steps = [
      [['login', '--email', CREDENTIALS.login, '--password-stdin'], `${CREDENTIALS.password}\n`],
      [['numbers', 'list', '--jsonl']],
      [['report', 'expenses', '--json']],
    ];
    for (const [args, input] of steps) {
      const r = await vm(args, env, { stdout: devNull, input });
      if (problem(r)) throw new Error(`vm ${args.slice(0, 2).join(' ')}: ${problem(r)}`);
    }
    const peak = sampler.peak();
    figure('250-line backend peak RSS after login, numbers list, a report', mb(peak), [
      goal('≤ 150 MB', peak <= 150 * 1024),
    ]);
  } catch (err) {
    failed('250-line backend', err.message);
  } finally {
    sampler?.stop();
    if (small) await stopBackend(small.child);
    fs.closeSync(logFd);
  }
}

/** The backend's errors, if it logged any (its log goes to a file, not among the figures). */
function reportLog(file) {
  let errors = [];
  try {
    errors = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        try {
          return JSON.parse(line);
        } catch {
          return { level: 50, msg: line };
        }
      })
      .filter((e) => e.level >= 50);
  } catch {
    return;
  }
  if (errors.length === 0) return;
  const kinds = new Map();
  for (const e of errors) {
    const where = /at (\S+)/.exec(e.err?.stack ?? '')?.[1] ?? '';
    const key = `${e.msg}${where ? ` at ${where}` : ''}`;
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  console.log(`note: the backend logged ${errors.length} errors:`);
  for (const [key, n] of kinds) console.log(`  ${n}× ${key}`);
}

main()
  .catch((err) => console.log(`scale: could not measure: ${err.message} (build first: npm run build)`))
  .finally(() => {
    process.exitCode = 0;
  });
