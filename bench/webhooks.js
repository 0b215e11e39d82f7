// Webhook delivery under bulk changes: a 6,000-line company, one subscription (line.*, operation.finished)
// to a receiver on 127.0.0.1, which answers 204 at once. Two runs of more than 10,000 events each:
//   burst: one block of every active number (line.blocked and line.status_changed per number, then
//          operation.finished), the events made as fast as the worker applies them (~2-4 s);
//   minute: the unblock of the same numbers in 12 operations 5 s apart (the same events over a minute).
// Prints per run the delivery delay (receipt time − the event's time; the backend runs on the real clock)
// p50/p95/max, the loss (events of the subscribed types never received; must be 0), duplicates (receipts
// of a webhook-id seen before) and whether they came in event order; and the backend's peak RSS (VmHWM)
// over both. Goals: p95 ≤ 1 s, no loss, RSS ≤ 200 MB. A subscription's deliveries go one at a time (its
// order), so its rate is one receiver round trip each: a burst faster than that queues up.
// A report, not a test: it always exits 0. Run after a build: node bench/webhooks.js
/* global fetch */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBackend, stopBackend } from './support/processes.js';

const LINES = 6000;
const EVENTS = ['line.*', 'operation.finished'];
const MINUTE_OPS = 12;
const MINUTE_GAP_MS = 5000;

/** One call of the API; throws with the answer when it is not 2xx. */
async function api(url, token, method, route, body, headers = {}) {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** Every row of a list route. */
async function all(url, token, route) {
  const out = [];
  let cursor = null;
  do {
    const sep = route.includes('?') ? '&' : '?';
    const page = await api(url, token, 'GET', `${route}${sep}limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

function peakRss(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const verdict = (ok) => (ok ? 'ok' : 'MISSED');
const FINAL = ['succeeded', 'partially_failed', 'failed', 'cancelled'];

/**
 * Submits the operations `gapMs` apart, waits for them and for the deliveries of their events (until
 * every one came, or nothing came for 10 s), and prints the figures.
 */
async function run(name, ctx, operations, gapMs) {
  const { url, token, received } = ctx;
  const [last] = (await api(url, token, 'GET', '/v1/events?order=desc&limit=1')).data;
  const from = received.length;
  const startedAt = Date.now();
  const ids = [];
  for (const [i, op] of operations.entries()) {
    if (i > 0) await sleep(gapMs);
    const created = await api(url, token, 'POST', '/v1/operations', op, {
      'idempotency-key': `bench-${name}-${i}`,
    });
    ids.push(created.id);
  }
  for (const id of ids) {
    let op = { state: 'queued' };
    while (!FINAL.includes(op.state)) op = await api(url, token, 'GET', `/v1/operations/${id}?wait=30`);
  }
  const changeMs = Date.now() - startedAt;
  const query = `after=${last?.id ?? 0}&type=${encodeURIComponent(EVENTS.join(','))}`;
  const want = new Set((await all(url, token, `/v1/events?${query}`)).map((e) => e.id));
  let lastGrowth = Date.now();
  let count = received.length;
  while (Date.now() - lastGrowth < 10_000) {
    const seen = new Set(received.slice(from).map((r) => r.eventId));
    if ([...want].every((id) => seen.has(id))) break;
    if (received.length > count) {
      count = received.length;
      lastGrowth = Date.now();
    }
    await sleep(100);
  }
  await sleep(500); // anything sent twice would come now
  const mine = received.slice(from).filter((r) => want.has(r.eventId));
  const first = new Map();
  for (const r of mine) if (!first.has(r.eventId)) first.set(r.eventId, r);
  const delays = [...first.values()].map((r) => r.at - Date.parse(r.time)).sort((a, b) => a - b);
  const lost = [...want].filter((id) => !first.has(id)).length;
  const duplicates = mine.length - new Set(mine.map((r) => r.id)).size;
  const inOrder = mine.every((r, i) => i === 0 || mine[i - 1].eventId < r.eventId);
  const allInMs = Math.max(...mine.map((r) => r.at)) - startedAt;
  const p95 = pct(delays, 95);
  console.log(
    `${name}: ${operations.length} operation(s) over ${operations.reduce((n, o) => n + o.targets.length, 0)} numbers, ` +
      `${(changeMs / 1000).toFixed(1)} s submit→done, ${want.size} events; the last delivered ` +
      `${(allInMs / 1000).toFixed(1)} s after the first submit`,
  );
  console.log(
    `  delivery delay (receipt − event time): p50 ${pct(delays, 50)} ms, p95 ${p95} ms ` +
      `(goal ≤ 1000 ms: ${verdict(p95 <= 1000)}), max ${delays[delays.length - 1]} ms`,
  );
  console.log(
    `  loss: ${lost} of ${want.size} (goal 0: ${verdict(lost === 0)}); duplicates: ${duplicates}; ` +
      `in event order: ${inOrder ? 'yes' : 'NO'}`,
  );
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-bench-webhooks-'));
  const received = []; // { at, id, eventId, time }
  const receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      received.push({ at, id: req.headers['webhook-id'], eventId: body.data.id, time: body.timestamp });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${receiver.address().port}/hook`;
  const { child, url } = await startBackend(path.join(tmp, 'data'), ['--lines', String(LINES)]);
  try {
    const { token } = await api(url, null, 'POST', '/v1/auth/login', {
      login: 'admin@demo.test',
      password: 'admin-demo-1',
    });
    // The history backfill of the start runs on the main thread below 10,000 lines: let it finish first.
    while (!(await api(url, token, 'GET', '/v1/status')).history.complete) await sleep(250);
    await api(url, token, 'POST', '/v1/webhooks', { url: hook, events: EVENTS, description: 'bench' });
    const numbers = (await all(url, token, '/v1/numbers?status=active')).map((n) => n.msisdn);
    const targets = (list) => list.map((msisdn) => ({ msisdn }));
    const ctx = { url, token, received };
    await run(
      'burst',
      ctx,
      [{ type: 'number.block', params: { reason: 'lost' }, targets: targets(numbers) }],
      0,
    );
    const slice = Math.ceil(numbers.length / MINUTE_OPS);
    const unblocks = [];
    for (let i = 0; i < numbers.length; i += slice)
      unblocks.push({ type: 'number.unblock', params: {}, targets: targets(numbers.slice(i, i + slice)) });
    await run('minute', ctx, unblocks, MINUTE_GAP_MS);
    const rss = peakRss(child.pid);
    console.log(`backend peak RSS (VmHWM): ${rss.toFixed(0)} MB (goal ≤ 200 MB: ${verdict(rss <= 200)})`);
  } finally {
    await stopBackend(child);
    receiver.closeAllConnections();
    receiver.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.log(`bench failed: ${err.stack ?? err}`);
});
