import type { Event } from '../../src/api/events.js';
import type { Line } from '../../src/api/lines.js';
import type { VmClient } from '../../src/client/client.js';
import { sseMessages, type SseMessage } from '../../src/client/sse.js';
import { ALL_EVENT_TYPES, EVENT_RETENTION_DAYS } from '../../src/domain/events.js';
import { rawRequest } from '../support/raw-http.js';
import { startTestBackend, rejection, type TestBackend } from './harness.js';

let b: TestBackend;
let admin: VmClient;
let adminToken: string;
let manager: VmClient;
let sales: Line[];
let others: Line[];

beforeAll(async () => {
  b = await startTestBackend();
  const session = await b.loginAs('admin@demo.test', 'admin-demo-1');
  adminToken = (await session.call('tokens.create', { body: { name: 'events-test' } })).token;
  admin = b.client(adminToken);
  const managerSession = await b.loginAs('manager@demo.test', 'manager-demo-1');
  manager = b.client((await managerSession.call('tokens.create', { body: { name: 'mgr-events' } })).token);
  const all: Line[] = [];
  for await (const n of admin.paginate('numbers.list', { status: 'active' })) all.push(n);
  const inSales: Line[] = [];
  for await (const n of manager.paginate('numbers.list', { status: 'active' })) inSales.push(n);
  const salesSet = new Set(inSales.map((n) => n.msisdn));
  sales = inSales;
  others = all.filter((n) => !salesSet.has(n.msisdn));
});
afterAll(async () => {
  await b.stop();
});

async function run(
  client: VmClient,
  type: 'number.block' | 'number.unblock',
  numbers: string[],
  key: string,
) {
  const op = await client.call('operations.create', {
    body: {
      type,
      params: type === 'number.block' ? { reason: 'lost' } : {},
      targets: numbers.map((msisdn) => ({ msisdn })),
    },
    idempotencyKey: key,
  });
  await b.services.worker.idle();
  return op.id;
}

async function events(client: VmClient, query: Record<string, string | number> = {}): Promise<Event[]> {
  const out: Event[] = [];
  for await (const e of client.paginate('events.list', query, 50)) out.push(e);
  return out;
}

/** Reads messages off an open stream until `enough` says so (or fails after 5 s). */
async function readUntil(
  it: AsyncIterator<SseMessage>,
  enough: (got: SseMessage[]) => boolean,
): Promise<SseMessage[]> {
  const got: SseMessage[] = [];
  const deadline = Date.now() + 5000;
  while (!enough(got)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`stream gave only ${JSON.stringify(got.map((m) => m.event))}`);
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      it.next(),
      new Promise<'timeout'>((r) => {
        timer = setTimeout(() => r('timeout'), left);
      }),
    ]);
    clearTimeout(timer);
    if (next === 'timeout') continue;
    if (next.done) break;
    // A message of only an id (the point the stream starts after) is no event.
    if (next.value.data !== '') got.push(next.value);
  }
  return got;
}

describe('events', () => {
  it('lists the catalog with its retention', async () => {
    const types = await admin.call('events.types');
    expect(types.retentionDays).toBe(EVENT_RETENTION_DAYS);
    expect(types.data.map((t) => t.type)).toEqual(ALL_EVENT_TYPES);
    expect(types.data.find((t) => t.type === 'line.blocked')?.subjectType).toBe('number');
  });

  it('tells of a block: each line, its status, and the operation with its counts', async () => {
    const targets = [sales[0]!.msisdn, others[0]!.msisdn, '+79990001122'];
    const id = await run(admin, 'number.block', targets, 'ev-block-1');
    const about = await events(admin, { subject: id });
    expect(about.map((e) => e.type)).toEqual(['operation.item_failed', 'operation.finished']);
    expect(about[1]?.data).toMatchObject({
      operationType: 'number.block',
      state: 'partially_failed',
      total: 3,
      succeeded: 2,
      failed: 1,
    });
    expect(about[0]?.data).toMatchObject({
      count: 1,
      items: [{ number: '+79990001122', code: 'not_found' }],
    });
    const line = await events(admin, { number: sales[0]!.msisdn });
    expect(line.map((e) => e.type)).toEqual(['line.blocked', 'line.status_changed']);
    expect(line[0]).toMatchObject({
      subjectType: 'number',
      groupId: sales[0]!.groupId,
      data: { reason: 'lost', operationId: id },
    });
    expect(line[1]?.data).toMatchObject({ from: 'active', to: 'blocked' });
  });

  it("shows a Sales manager only Sales numbers' events and their own operations", async () => {
    const mine = await run(manager, 'number.block', [sales[1]!.msisdn], 'ev-mgr-1');
    const seen = await events(manager);
    expect(seen.length).toBeGreaterThan(0);
    const salesNumbers = new Set(sales.map((n) => n.msisdn));
    for (const e of seen) {
      if (e.subjectType === 'number') expect(salesNumbers.has(e.subject)).toBe(true);
      else expect(e.subject).toBe(mine);
    }
    expect(seen.some((e) => e.subject === others[0]!.msisdn)).toBe(false);
    expect(seen.some((e) => e.type === 'operation.finished' && e.subject === mine)).toBe(true);
    // Asking for an outside number by name gives nothing, not an error that tells it exists.
    expect(await events(manager, { number: others[0]!.msisdn })).toEqual([]);
  });

  it('filters by type families, after an id, and newest first', async () => {
    const lines = await events(admin, { type: 'line.*' });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((e) => e.type.startsWith('line.'))).toBe(true);
    const all = await events(admin);
    const ids = all.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    const after = await events(admin, { after: ids[1]! });
    expect(after.map((e) => e.id)).toEqual(ids.slice(2));
    const newest = await admin.call('events.list', { query: { order: 'desc', limit: 2 } });
    expect(newest.data.map((e) => e.id)).toEqual(ids.slice(-2).reverse());
    const bad = await rejection(admin.call('events.list', { query: { type: 'nope.*' } }));
    expect(bad).toMatchObject({ code: 'validation_failed', details: { reason: 'unknown_event_type' } });
  });

  it('refuses a caller without events:read', async () => {
    const session = await b.loginAs('admin@demo.test', 'admin-demo-1');
    const narrow = b.client(
      (await session.call('tokens.create', { body: { name: 'no-events', scope: ['numbers:read'] } })).token,
    );
    expect(await rejection(narrow.call('events.list'))).toMatchObject({ code: 'forbidden' });
    expect(await rejection(narrow.stream('events.stream'))).toMatchObject({ code: 'forbidden' });
  });
});

describe('the event stream', () => {
  it('sends what the caller may see as it happens, and resumes after Last-Event-ID', async () => {
    const start = (await admin.call('events.list', { query: { order: 'desc', limit: 1 } })).data[0]!.id;
    const stream = await manager.stream('events.stream', { query: { after: start } });
    const it = sseMessages(stream)[Symbol.asyncIterator]();
    await run(admin, 'number.block', [others[1]!.msisdn], 'ev-stream-hq');
    await run(admin, 'number.block', [sales[2]!.msisdn], 'ev-stream-sales');
    const got = await readUntil(it, (m) => m.length >= 2);
    expect(got.map((m) => m.event)).toEqual(['line.blocked', 'line.status_changed']);
    const first = JSON.parse(got[0]!.data) as Event;
    expect(first.subject).toBe(sales[2]!.msisdn);
    expect(got[0]!.id).toBe(String(first.id));
    (stream as unknown as { destroy(): void }).destroy();

    // A new stream from the first message's id gets the second one again, and nothing before it.
    const again = await manager.stream('events.stream', { query: { after: first.id } });
    const it2 = sseMessages(again)[Symbol.asyncIterator]();
    const resumed = await readUntil(it2, (m) => m.length >= 1);
    expect(resumed[0]!.id).toBe(got[1]!.id);
    (again as unknown as { destroy(): void }).destroy();
  });

  it('starts with the next event when no resume point is given', async () => {
    const stream = await admin.stream('events.stream', { query: { type: 'operation.finished' } });
    const it = sseMessages(stream)[Symbol.asyncIterator]();
    const id = await run(admin, 'number.unblock', [sales[2]!.msisdn], 'ev-stream-next');
    const got = await readUntil(it, (m) => m.length >= 1);
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0]!.data)).toMatchObject({ type: 'operation.finished', subject: id });
    (stream as unknown as { destroy(): void }).destroy();
  });

  it('ends when its token is revoked, saying why', async () => {
    const session = await b.loginAs('admin@demo.test', 'admin-demo-1');
    const created = await session.call('tokens.create', { body: { name: 'short-lived' } });
    const stream = await b.client(created.token).stream('events.stream');
    const it = sseMessages(stream)[Symbol.asyncIterator]();
    await session.call('tokens.revoke', { params: { id: 'short-lived' } });
    const got = await readUntil(it, (m) => m.some((x) => x.event === 'end'));
    expect(JSON.parse(got.at(-1)!.data)).toEqual({ reason: 'token_invalid' });
    expect((await it.next()).done).toBe(true);
  });

  it('lets a user hold five streams at once, and a sixth once one is closed', async () => {
    const open = [];
    for (let i = 0; i < 5; i++) open.push(await manager.stream('events.stream'));
    const refused = await rejection(manager.stream('events.stream'));
    expect(refused).toMatchObject({ status: 429, details: { reason: 'too_many_streams' } });
    // Another user is not counted with this one.
    ((await admin.stream('events.stream')) as unknown as { destroy(): void }).destroy();
    (open.pop() as unknown as { destroy(): void }).destroy();
    let sixth;
    for (let i = 0; i < 50 && !sixth; i++) {
      await new Promise((r) => setTimeout(r, 20));
      sixth = await manager.stream('events.stream').catch(() => undefined);
    }
    expect(sixth).toBeDefined();
    for (const s of [...open, sixth]) (s as unknown as { destroy(): void }).destroy();
  });

  it('refuses a Last-Event-ID that is not an id', async () => {
    const res = await rawRequest(b.url, {
      method: 'GET',
      path: '/v1/events/stream',
      headers: { authorization: `Bearer ${adminToken}`, 'last-event-id': 'abc' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error?.details).toEqual({ reason: 'last_event_id_invalid' });
  });
});

describe('retention', () => {
  it(`deletes events older than ${EVENT_RETENTION_DAYS} days in the background`, async () => {
    const before = await events(admin);
    expect(before.length).toBeGreaterThan(0);
    b.advance((EVENT_RETENTION_DAYS + 1) * 86_400);
    // The worker prunes as background work once the clock has moved on: no event of before is left.
    await b.services.worker.idle();
    const left = await events(admin);
    expect(left.some((e) => before.some((x) => x.id === e.id))).toBe(false);
  });
});
