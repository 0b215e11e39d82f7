import fs from 'node:fs';
import path from 'node:path';
import type { Report, ReportJob, ReportLine } from '../../src/api/billing.js';
import type { VmClient } from '../../src/client/client.js';
import { jsonLines } from '../../src/client/json-lines.js';
import { invite } from '../support/invite.js';
import { rejection, startTestBackend, type TestBackend } from './harness.js';

/** A 202's job, or fails the test with what came instead. */
function asJob(answer: Report | ReportJob): ReportJob {
  if (!('state' in answer)) throw new Error(`expected a job, got a report of ${answer.rows.length} rows`);
  return answer;
}
function asReport(answer: Report | ReportJob): Report {
  if ('state' in answer) throw new Error(`expected a report, got job ${answer.id} (${answer.state})`);
  return answer as Report;
}

/** Polls a job until it finished (the worker runs in the same process). */
async function finished(client: VmClient, id: string, timeoutMs = 20_000): Promise<ReportJob> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.call('reportJobs.show', { params: { id } });
    if (job.state === 'succeeded' || job.state === 'failed') return job;
    if (Date.now() > until) throw new Error(`job ${id} still ${job.state} (${job.done}/${job.total})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A job's result read as JSON lines (`reportJobs.lines`), put together as the Report they make. */
async function streamed(client: VmClient, id: string): Promise<Report> {
  const lines = jsonLines<ReportLine>(await client.stream('reportJobs.lines', { params: { id } }));
  const report = { rows: [] as Report['rows'] } as Report;
  let end: { rows: number; totals: Report['totals'] } | undefined;
  for await (const line of lines) {
    if ('report' in line) Object.assign(report, line.report);
    else if ('row' in line) report.rows.push(line.row);
    else end = line.end;
  }
  expect(end?.rows).toBe(report.rows.length);
  return { ...report, totals: end?.totals ?? null };
}

/** Latency of one GET /v1/me, in ms. */
async function meLatency(client: VmClient): Promise<number> {
  const start = performance.now();
  await client.call('me.show');
  return performance.now() - start;
}

describe('report jobs', () => {
  let b: TestBackend;
  let admin: VmClient;
  let viewer: VmClient;
  let salesViewer: VmClient;
  beforeAll(async () => {
    b = await startTestBackend({ lines: 300, syncReportNumbers: 100 });
    admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
    viewer = await b.loginAs('viewer@demo.test', 'viewer-demo-1');
    salesViewer = await invite(b, admin, 'sales-viewer@demo.test', { role: 'Viewer', group: 'sales' });
  });
  afterAll(async () => {
    await b.stop();
  });

  it('answers a big scope with a job whose result holds every number, with the totals of the rows', async () => {
    const job = asJob(
      await admin.call('reports.show', {
        params: { type: 'usage' },
        query: { from: '2026-09-01', to: '2026-10-31' },
      }),
    );
    expect(job).toMatchObject({ type: 'usage', rows: null, createdBy: 'admin@demo.test' });
    expect(['queued', 'running']).toContain(job.state);
    const done = await finished(admin, job.id);
    expect(done).toMatchObject({ state: 'succeeded', rows: 300, error: null });
    expect(Date.parse(done.expiresAt ?? '') - Date.parse(done.finishedAt ?? '')).toBe(7 * 86_400_000);
    const report = await admin.call('reportJobs.result', { params: { id: job.id } });
    expect(report.rows).toHaveLength(300);
    const minutes = report.rows.reduce((s, r) => s + (r.minutes as number), 0);
    expect(minutes).toBeGreaterThan(0);
    expect(report.totals).toMatchObject({ minutes });
  });

  it('gives the same rows through a job as at once, for the same numbers', async () => {
    const numbers = (await admin.call('numbers.list', { query: { limit: 80 } })).data.map((n) => n.msisdn);
    const body = { numbers, from: '2026-08-01', to: '2026-10-31' };
    for (const type of ['usage', 'expenses', 'inventory', 'tariff-optimization'] as const) {
      const atOnce = asReport(await admin.call('reports.run', { params: { type }, body }));
      const job = asJob(await admin.call('reports.run', { params: { type }, query: { job: true }, body }));
      await finished(admin, job.id);
      const viaJob = await admin.call('reportJobs.result', { params: { id: job.id } });
      expect(viaJob).toEqual(atOnce);
      expect(await streamed(admin, job.id)).toEqual(atOnce);
    }
  });

  it('serves the result of a job an earlier version stored as one document, as the document and as lines', async () => {
    const job = asJob(
      await admin.call('reports.show', { params: { type: 'inventory' }, query: { job: true } }),
    );
    await finished(admin, job.id);
    const report = await admin.call('reportJobs.result', { params: { id: job.id } });
    const dir = path.join(b.dataDir, 'reports');
    fs.rmSync(path.join(dir, `${job.id}.jsonl`));
    fs.writeFileSync(path.join(dir, `${job.id}.json`), JSON.stringify(report));
    expect(await admin.call('reportJobs.result', { params: { id: job.id } })).toEqual(report);
    expect(await streamed(admin, job.id)).toEqual(report);
  });

  it('writes every report through a job as it answers at once, over many slices, and keeps no scratch file', async () => {
    const big = await startTestBackend({ lines: 300, syncReportNumbers: 1000 });
    try {
      const client = await big.loginAs('admin@demo.test', 'admin-demo-1');
      const period = { from: '2026-08-01', to: '2026-11-01' };
      const cases = [
        ['usage', period],
        ['expenses', period],
        ['expenses', { ...period, by: 'group' }],
        ['expenses', { ...period, by: 'account' }],
        ['inventory', {}],
        ['blocked', {}],
        ['limits', period],
        ['activity', period],
        ['tariff-optimization', {}],
      ] as const;
      for (const [type, query] of cases) {
        const atOnce = asReport(await client.call('reports.show', { params: { type }, query }));
        const job = asJob(
          await client.call('reports.show', { params: { type }, query: { ...query, job: true } }),
        );
        expect(await finished(client, job.id)).toMatchObject({
          state: 'succeeded',
          rows: atOnce.rows.length,
        });
        expect(await client.call('reportJobs.result', { params: { id: job.id } })).toEqual(atOnce);
        // Ordered by a number, highest first, ties by key (msisdn): as the rows were sorted before.
        const orderBy = type === 'expenses' ? 'total' : type === 'tariff-optimization' ? 'saving' : null;
        if (orderBy) {
          const key = type === 'expenses' ? 'key' : 'msisdn';
          const order = (a: Record<string, unknown>, b: Record<string, unknown>) =>
            (b[orderBy] as number) - (a[orderBy] as number) || (String(a[key]) < String(b[key]) ? -1 : 1);
          expect(atOnce.rows.length).toBeGreaterThan(1);
          expect(atOnce.rows).toEqual([...atOnce.rows].sort(order));
        }
      }
      const files = fs.readdirSync(path.join(big.dataDir, 'reports'));
      expect(files).toHaveLength(cases.length);
      expect(files.filter((f) => !f.endsWith('.jsonl'))).toEqual([]);
    } finally {
      await big.stop();
    }
  });

  it("keeps a job to its author: another user's is unknown and not listed", async () => {
    const job = asJob(
      await admin.call('reports.show', { params: { type: 'inventory' }, query: { job: true } }),
    );
    expect(await rejection(viewer.call('reportJobs.show', { params: { id: job.id } }))).toMatchObject({
      status: 404,
    });
    expect(await rejection(viewer.call('reportJobs.result', { params: { id: job.id } }))).toMatchObject({
      status: 404,
    });
    const listed = await viewer.call('reportJobs.list');
    expect(listed.data.map((j) => j.id)).not.toContain(job.id);
    expect((await admin.call('reportJobs.list')).data.map((j) => j.id)).toContain(job.id);
  });

  it("makes a scoped viewer's job over their own scope only", async () => {
    const job = asJob(
      await salesViewer.call('reports.show', { params: { type: 'inventory' }, query: { job: true } }),
    );
    await finished(salesViewer, job.id);
    const report = await salesViewer.call('reportJobs.result', { params: { id: job.id } });
    const groups = new Set(report.rows.map((r) => r.group));
    expect(report.rows.length).toBeGreaterThan(0);
    expect(report.rows.length).toBeLessThan(300);
    expect([...groups].every((g) => /sales|продаж/i.test(String(g)))).toBe(true);
  });

  it('answers 409 for the result of a job that has not finished', async () => {
    await b.services.worker.stop();
    try {
      const job = asJob(
        await admin.call('reports.show', { params: { type: 'usage' }, query: { job: true } }),
      );
      expect(await rejection(admin.call('reportJobs.result', { params: { id: job.id } }))).toMatchObject({
        status: 409,
        code: 'conflict',
      });
    } finally {
      b.services.worker.start();
    }
  });

  it('deletes a result 7 days after it finished', async () => {
    const job = asJob(
      await admin.call('reports.show', { params: { type: 'blocked' }, query: { job: true } }),
    );
    await finished(admin, job.id);
    b.advance(7 * 86_400 + 60);
    await b.services.worker.idle();
    admin = await b.loginAs('admin@demo.test', 'admin-demo-1'); // the session went idle meanwhile
    expect(await rejection(admin.call('reportJobs.show', { params: { id: job.id } }))).toMatchObject({
      status: 404,
    });
  });
});

describe('heavy work never holds the backend', () => {
  let b: TestBackend;
  let admin: VmClient;
  beforeAll(async () => {
    // Every slice of a report job holds the thread 30 ms more, as a heavy one would.
    b = await startTestBackend({ lines: 1000, syncReportNumbers: 100, slowSliceMs: 30 });
    admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  });
  afterAll(async () => {
    await b.stop();
  });

  it('answers /v1/me within 200 ms while a report job runs', async () => {
    const job = asJob(await admin.call('reports.show', { params: { type: 'tariff-optimization' } }));
    const latencies: number[] = [];
    for (let state = job.state; state !== 'succeeded';) {
      latencies.push(await meLatency(admin));
      const seen = await admin.call('reportJobs.show', { params: { id: job.id } });
      state = seen.state;
      expect(state).not.toBe('failed');
    }
    // Asked again and again while the job ran (some 100 slices of 30 ms and more), never kept waiting.
    expect(latencies.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...latencies)).toBeLessThan(200);
  });

  it('fires a scheduled block on time while a report job runs', async () => {
    const msisdn =
      (await admin.call('numbers.list', { query: { status: 'active', limit: 1 } })).data[0]?.msisdn ?? '';
    const at = new Date(b.services.clock.now().getTime() + 60_000).toISOString();
    const op = await admin.call('operations.create', {
      body: { type: 'number.block', params: { reason: 'lost' }, targets: [{ msisdn }], scheduledAt: at },
      idempotencyKey: `block-during-report-${msisdn}`,
    });
    const job = asJob(await admin.call('reports.show', { params: { type: 'usage' } }));
    b.advance(61);
    const until = Date.now() + 5000;
    let state = op.state;
    while (state !== 'succeeded' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
      state = (await admin.call('operations.show', { params: { id: op.id } })).state;
    }
    expect(state).toBe('succeeded');
    // The block ran between the report's slices, not after the report.
    expect((await admin.call('reportJobs.show', { params: { id: job.id } })).state).not.toBe('succeeded');
    await finished(admin, job.id, 60_000);
  });
});

describe('restarts', () => {
  it('runs a job again after a restart that stopped it halfway, with the same result', async () => {
    let b = await startTestBackend({ lines: 800, syncReportNumbers: 100, slowSliceMs: 30 });
    const dataDir = b.dataDir;
    let admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
    const job = asJob(await admin.call('reports.show', { params: { type: 'usage' } }));
    for (let seen = job; !(seen.state === 'running' && seen.done > 0);) {
      await new Promise((r) => setTimeout(r, 10));
      seen = await admin.call('reportJobs.show', { params: { id: job.id } });
    }
    await b.stop({ keepData: true });
    b = await startTestBackend({ dataDir, syncReportNumbers: 100 });
    try {
      admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
      expect(await finished(admin, job.id)).toMatchObject({ state: 'succeeded', rows: 800 });
      const again = asJob(
        await admin.call('reports.show', { params: { type: 'usage' }, query: { job: true } }),
      );
      await finished(admin, again.id);
      expect(await admin.call('reportJobs.result', { params: { id: job.id } })).toEqual(
        await admin.call('reportJobs.result', { params: { id: again.id } }),
      );
    } finally {
      await b.stop();
    }
  });

  it('resumes the history backfill after a restart without making or charging a day twice', async () => {
    const totals = (t: TestBackend, billingStart: string) =>
      t
        .db()
        .prepare(
          `SELECT count(*) AS days, sum(cost) AS cost, sum(minutes) AS minutes, sum(data_mb) AS mb
             FROM usage_days WHERE day < ?`,
        )
        .get(billingStart);
    // One backend fills its history in one go.
    const whole = await startTestBackend({ lines: 200 });
    const { billingStart } = (
      await (await whole.loginAs('admin@demo.test', 'admin-demo-1')).call('status.show')
    ).history;
    const expected = totals(whole, billingStart);
    await whole.stop();
    // Another, the same company, is stopped partway through and started again.
    let b = await startTestBackend({ lines: 200, waitForHistory: false });
    const dataDir = b.dataDir;
    await b.services.worker.stop();
    for (let i = 0; i < 3; i++) b.services.history.step();
    let admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
    expect((await admin.call('status.show')).history.complete).toBe(false);
    await b.stop({ keepData: true });
    b = await startTestBackend({ dataDir, lines: 200 });
    try {
      admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
      const status = await admin.call('status.show');
      expect(status.history).toMatchObject({
        complete: true,
        from: '2026-08-01',
        billingStart: '2026-11-02',
      });
      expect(totals(b, billingStart)).toEqual(expected);
      const charged = b
        .db()
        .prepare("SELECT count(*) AS n FROM charges WHERE kind = 'usage' AND ref < ?")
        .get(billingStart) as { n: number };
      expect(charged.n).toBe(0);
    } finally {
      await b.stop();
    }
  });
});

it('makes the same history around days an export stored before the backfill reached them', async () => {
  const days = (t: TestBackend, billingStart: string) =>
    t
      .db()
      .prepare(
        `SELECT msisdn, day, tariff, used_minutes, used_sms, used_mb, end_minutes, end_sms, end_mb, records,
                minutes, calls, sms, data_mb, bytes, roaming_minutes, roaming_mb, cost
           FROM usage_days WHERE day < ? ORDER BY msisdn, day`,
      )
      .all(billingStart);
  const whole = await startTestBackend({ lines: 120 });
  const { billingStart } = (
    await (await whole.loginAs('admin@demo.test', 'admin-demo-1')).call('status.show')
  ).history;
  const expected = days(whole, billingStart);
  await whole.stop();
  // The same company: exports of a few numbers store islands of days (mid-period, across a month end,
  // up to billing's start) before any history is filled.
  const b = await startTestBackend({ lines: 120, waitForHistory: false });
  try {
    await b.services.worker.stop();
    const admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
    const numbers: string[] = [];
    for await (const n of admin.paginate('numbers.list')) numbers.push(n.msisdn);
    const some = numbers.filter((_, i) => i % 4 === 0);
    for (const [from, to] of [
      ['2026-08-10', '2026-08-20'],
      ['2026-09-28', '2026-10-03'],
      ['2026-10-25', '2026-11-01'],
    ] as const) {
      const stream = await admin.stream('cdr.query', { body: { numbers: some, from, to, format: 'jsonl' } });
      let bytes = 0;
      for await (const chunk of stream) bytes += (chunk as Buffer).length;
      expect(bytes).toBeGreaterThan(0);
    }
    const islands = b
      .db()
      .prepare('SELECT count(*) AS n FROM usage_days WHERE day < ?')
      .get(billingStart) as { n: number };
    expect(islands.n).toBeGreaterThan(0);
    while (b.services.history.step());
    expect(days(b, billingStart)).toEqual(expected);
  } finally {
    await b.stop();
  }
});

describe('a period older than the history kept', () => {
  it('waits for its history as a job (days done of days needed), then answers', async () => {
    const b = await startTestBackend({ lines: 60 });
    try {
      const admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
      expect((await admin.call('status.show')).history.from).toBe('2026-08-01');
      const job = asJob(
        await admin.call('reports.show', {
          params: { type: 'usage' },
          query: { from: '2026-05-01', to: '2026-05-31' },
        }),
      );
      expect(job.phase === 'history' || job.state === 'queued').toBe(true);
      const done = await finished(admin, job.id);
      expect(done).toMatchObject({ state: 'succeeded', rows: 60 });
      const report = await admin.call('reportJobs.result', { params: { id: job.id } });
      expect(report.rows.some((r) => (r.minutes as number) > 0)).toBe(true);
      const status = await admin.call('status.show');
      expect(status.history).toMatchObject({ from: '2026-05-01', complete: true });
      // Now the period is in: the same report answers at once.
      expect(
        asReport(
          await admin.call('reports.show', {
            params: { type: 'usage' },
            query: { from: '2026-05-01', to: '2026-05-31' },
          }),
        ).rows,
      ).toEqual(report.rows);
    } finally {
      await b.stop();
    }
  });
});

describe('a period older than history may go', () => {
  it('refuses a report over 1900 with 422, and keeps the history where it was', async () => {
    const b = await startTestBackend({ lines: 20 });
    try {
      const admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
      expect(
        await rejection(
          admin.call('reports.show', {
            params: { type: 'usage' },
            query: { from: '1900-01-01', to: '1900-01-31' },
          }),
        ),
      ).toMatchObject({ status: 422, details: { reason: 'period_too_old', earliest: '2025-10-01' } });
      // The oldest month allowed is still served; history is not moved for the refused one.
      expect(
        await rejection(
          admin.call('reports.show', {
            params: { type: 'usage' },
            query: { from: '2025-09-30', to: '2025-10-31' },
          }),
        ),
      ).toMatchObject({ status: 422 });
      expect((await admin.call('status.show')).history.from).toBe('2026-08-01');
      const ok = await admin.call('reports.show', {
        params: { type: 'usage' },
        query: { from: '2025-10-01', to: '2025-10-31' },
      });
      expect(ok.type).toBe('usage');
    } finally {
      await b.stop();
    }
  });
});

describe('GET /v1/status', () => {
  it('says the size, the history and the jobs', async () => {
    const b = await startTestBackend({ lines: 40 });
    try {
      const admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
      expect(await admin.call('status.show')).toMatchObject({
        now: '2026-11-02T10:00:00.000Z',
        lines: 40,
        history: {
          from: '2026-08-01',
          backfilledFrom: '2026-08-01',
          billingStart: '2026-11-02',
          complete: true,
        },
        jobs: { running: 0, queued: 0 },
      });
      expect(await rejection(b.client().call('status.show'))).toMatchObject({ status: 401 });
    } finally {
      await b.stop();
    }
  });
});
