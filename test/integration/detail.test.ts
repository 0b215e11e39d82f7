/**
 * Call detail requests over history (the days before billing started): the records are made on the
 * first export and read back after, and a number whose stored days have gone missing gets them made
 * again, the same records as before.
 */
import { randomUUID } from 'node:crypto';
import type { VmClient } from '../../src/client/client.js';
import { startTestBackend, type TestBackend } from './harness.js';

let b: TestBackend;
let admin: VmClient;

beforeAll(async () => {
  b = await startTestBackend();
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
});

afterAll(() => b.stop());

/** A detail request of every number over October (history: the clock starts on 2 November). */
async function exportOctober(): Promise<{ records: number; cost: number; text: string }> {
  const created = await admin.call('detailRequests.create', {
    body: { all: true, from: '2026-10-01', to: '2026-10-31' },
    idempotencyKey: randomUUID(),
  });
  await b.services.worker.idle();
  const request = await admin.call('detailRequests.show', { params: { id: created.id } });
  expect(request.state).toBe('done');
  const body = await admin.stream('detailRequests.file', {
    params: { id: created.id },
    query: { format: 'csv' },
  });
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return { records: request.records, cost: request.cost, text: Buffer.concat(chunks).toString('utf8') };
}

const stored = () =>
  b
    .db()
    .prepare(
      `SELECT count(*) AS days, sum(records) AS records, sum(cost) AS cost FROM usage_days
        WHERE day >= '2026-10-01' AND day < '2026-11-01'`,
    )
    .get() as { days: number; records: number; cost: number };

describe('a detail request over history', () => {
  let first: { records: number; cost: number; text: string };

  beforeAll(async () => {
    first = await exportOctober();
  });

  it('counts and sends every record stored for the month', () => {
    const days = stored();
    expect(first.records).toBe(days.records);
    expect(first.cost).toBe(days.cost);
    expect(first.records).toBeGreaterThan(10_000);
    expect(first.text.trimEnd().split('\n')).toHaveLength(first.records + 1);
  });

  it('sends the same file again once the records are stored', async () => {
    const again = await exportOctober();
    expect(again).toEqual(first);
  });

  it('makes the days of a number again when they have gone missing, the same records', async () => {
    const msisdn = first.text.split('\n')[1]?.split(',')[0] as string;
    const before = stored();
    const gone = b
      .db()
      .prepare("DELETE FROM usage_days WHERE msisdn = ? AND day >= '2026-10-10' AND day < '2026-11-01'")
      .run(msisdn).changes;
    b.db()
      .prepare(
        "DELETE FROM cdr WHERE msisdn = ? AND started_at >= '2026-10-10' AND started_at < '2026-11-01'",
      )
      .run(msisdn);
    expect(gone).toBe(22);
    const again = await exportOctober();
    expect(stored()).toEqual(before);
    expect(again).toEqual(first);
  });
});
