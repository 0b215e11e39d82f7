import type { VmClient } from '../../src/client/client.js';
import { startTestBackend, rejection, type TestBackend, untyped } from '../integration/harness.js';

/** The cap of one audit row's params (JSON), and of one string value in it (characters). */
const ROW_CAP = 4096;
const VALUE_CAP = 256;

let b: TestBackend;
let admin: VmClient;
let viewer: VmClient;

beforeAll(async () => {
  b = await startTestBackend({ lines: 50 });
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  viewer = await b.loginAs('viewer@demo.test', 'viewer-demo-1');
});
afterAll(async () => {
  await b.stop();
});

/** The newest audit row of an action: its result and its params as stored (JSON text). */
function lastRow(action: string): { result: string; params: string; actor: string } {
  return b
    .db()
    .prepare('SELECT result, params, actor FROM audit WHERE action = ? ORDER BY id DESC LIMIT 1')
    .get(action) as { result: string; params: string; actor: string };
}

describe('the audit log keeps a bounded summary of each request', () => {
  it('stores a refused 15 MB operation as a small row: its targets counted, not copied', async () => {
    const any = (await admin.call('numbers.list', { query: { limit: 1 } })).data[0]?.msisdn ?? '';
    // Valid by the schema (so the refusal is the viewer's rights, audited), 60,000 rows of 200 characters.
    const targets = Array.from({ length: 60_000 }, () => ({
      msisdn: any,
      params: { tariff: 'x'.repeat(200) },
    }));
    const err = await rejection(
      viewer.call('operations.create', {
        body: { type: 'tariff.change', params: { tariff: 'SMART' }, targets },
      }),
    );
    expect(err.status).toBe(403);
    const row = lastRow('operations.create');
    expect(row.result).toMatch(/^denied/);
    expect(row.actor).toBe('viewer@demo.test');
    expect(row.params.length).toBeLessThanOrEqual(ROW_CAP);
    expect(JSON.parse(row.params)).toEqual({
      type: 'tariff.change',
      params: { tariff: 'SMART' },
      targets: { count: 60_000 },
    });
  });

  it('keeps a request of many keys and long values within the cap, marked as cut', async () => {
    const extra = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, 'v'.repeat(200)]));
    await untyped(admin)('appeals.create', {
      body: { type: 'question', subject: 'many keys', text: 'x', ...extra },
    });
    const row = lastRow('appeals.create');
    expect(row.params.length).toBeLessThanOrEqual(ROW_CAP);
    expect(JSON.parse(row.params)).toMatchObject({ _truncated: true, type: 'question' });
  });

  it('records a refused 20 MB operation without its body: it was refused before the body was read', async () => {
    const err = await rejection(
      untyped(viewer)('operations.create', {
        body: {
          type: 'number.block',
          params: {},
          targets: Array.from({ length: 80_000 }, () => ({
            msisdn: '+79000000001',
            params: { reason: 'j'.repeat(200) },
          })),
        },
      }),
    );
    expect(err.status).toBe(403);
    const row = lastRow('operations.create');
    expect(row.result).toMatch(/^denied/);
    expect(row.params.length).toBeLessThanOrEqual(ROW_CAP);
  });

  it('cuts a long accepted field to its first characters and says so', async () => {
    const text = 'Я'.repeat(20_000);
    await untyped(admin)('appeals.create', {
      body: { type: 'question', subject: 'long text', text, extra: 'e'.repeat(500_000) },
    });
    const row = lastRow('appeals.create');
    expect(row.result).toBe('ok');
    expect(row.params.length).toBeLessThanOrEqual(ROW_CAP);
    const params = JSON.parse(row.params) as Record<string, unknown>;
    expect(params).toMatchObject({ _truncated: true, subject: 'long text', type: 'question' });
    expect(String(params.text).length).toBeLessThanOrEqual(VALUE_CAP + 1);
    expect(String(params.text).startsWith('ЯЯЯЯ')).toBe(true);
  });

  it('leaves a small request as it was, without the note', async () => {
    await admin.call('groups.create', { body: { name: 'Audit small', id: 'audit-small' } });
    const params = JSON.parse(lastRow('groups.create').params) as Record<string, unknown>;
    expect(params).toEqual({ name: 'Audit small', id: 'audit-small' });
  });
});
