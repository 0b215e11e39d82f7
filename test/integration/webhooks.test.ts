import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Line } from '../../src/api/lines.js';
import type { Event } from '../../src/api/events.js';
import type { CreatedWebhook, WebhookDelivery } from '../../src/api/webhooks.js';
import { WebhookSender } from '../../src/backend/engine/webhook-sender.js';
import type { VmClient } from '../../src/client/client.js';
import { secretKey, verifyDelivery } from '../../src/domain/webhook-signature.js';
import { startTestBackend, rejection, type TestBackend } from './harness.js';

/** What a receiver got: one request. */
interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { type: string; timestamp: string; data: Event & { webhookId?: string } };
}

/** How a receiver answers: 200, 503, by closing the connection, or never. */
type Mode = 'ok' | 'fail' | 'close' | 'hang';

interface Receiver {
  url: string;
  got: Received[];
  mode: Mode;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 that records every request and answers as `mode` says. */
async function receiver(mode: Mode = 'ok'): Promise<Receiver> {
  const r = { got: [] as Received[], mode } as Receiver;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      r.got.push({ headers: req.headers, body, json: JSON.parse(body) as Received['json'] });
      if (r.mode === 'ok') res.writeHead(200).end('thanks');
      else if (r.mode === 'fail') res.writeHead(503).end('busy');
      else if (r.mode === 'close') req.socket.destroy();
      // 'hang': no answer at all
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}

/** Waits until `ok()` holds (polling every 20 ms), failing after `ms`. */
async function until(ok: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** True if the delivery's signature is valid for the secret (the receiver's clock now). */
function genuine(got: Received, secret: string): boolean {
  const key = secretKey(secret) as Buffer;
  const headers = got.headers as Record<string, string>;
  return verifyDelivery(key, headers, got.body, { now: Math.floor(Date.now() / 1000) }).ok;
}

let b: TestBackend;
let admin: VmClient;
let sales: Line[];
let others: Line[];
let keyN = 0;

beforeAll(async () => {
  b = await startTestBackend();
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  const manager = await b.loginAs('manager@demo.test', 'manager-demo-1');
  const all: Line[] = [];
  for await (const n of admin.paginate('numbers.list', { status: 'active' })) all.push(n);
  sales = [];
  for await (const n of manager.paginate('numbers.list', { status: 'active' })) sales.push(n);
  const inSales = new Set(sales.map((n) => n.msisdn));
  others = all.filter((n) => !inSales.has(n.msisdn));
});
afterAll(async () => {
  await b.stop();
});

/** Blocks (or unblocks) numbers as `client` and lets the worker run it. */
async function change(client: VmClient, type: 'number.block' | 'number.unblock', numbers: string[]) {
  const op = await client.call('operations.create', {
    body: {
      type,
      params: type === 'number.block' ? { reason: 'lost' } : {},
      targets: numbers.map((msisdn) => ({ msisdn })),
    },
    idempotencyKey: `wh-${++keyN}`,
  });
  await b.services.worker.idle();
  return op.id;
}

async function deliveries(client: VmClient, id: string): Promise<WebhookDelivery[]> {
  const out: WebhookDelivery[] = [];
  for await (const d of client.paginate('webhooks.deliveries', {}, 100, { id })) out.push(d);
  return out;
}

describe('webhooks', () => {
  let rx: Receiver;
  let created: CreatedWebhook;

  beforeAll(async () => {
    rx = await receiver();
    created = await admin.call('webhooks.create', {
      body: { url: rx.url, events: ['operation.finished', 'line.*'], description: 'ops feed' },
    });
  });
  afterAll(async () => {
    await admin.call('webhooks.remove', { params: { id: created.webhook.id } });
    await rx.close();
  });

  it('shows the generated secret once: never in a GET answer nor in the audit log', async () => {
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.webhook).toMatchObject({
      url: rx.url,
      events: ['operation.finished', 'line.*'],
      state: 'active',
      createdBy: 'admin@demo.test',
      pending: 0,
    });
    const shown = await admin.call('webhooks.show', { params: { id: created.webhook.id } });
    const listed = await admin.call('webhooks.list');
    const audit = await admin.call('audit.list', { query: { action: 'webhooks.create' } });
    expect(audit.data.length).toBeGreaterThan(0);
    for (const answer of [shown, listed, audit]) expect(JSON.stringify(answer)).not.toContain('whsec_');
    expect(JSON.stringify(shown)).not.toContain(created.secret.slice(6));
  });

  it('delivers a bulk block: the operation and each line, signed, in order, each once', async () => {
    const numbers = [sales[0]!.msisdn, sales[1]!.msisdn, others[0]!.msisdn];
    const opId = await change(admin, 'number.block', numbers);
    await until(() => rx.got.some((g) => g.json.type === 'operation.finished'), 'operation.finished');
    const finished = rx.got.find((g) => g.json.type === 'operation.finished')!;
    expect(finished.json.data).toMatchObject({ subject: opId, data: { state: 'succeeded', total: 3 } });
    expect(finished.headers['content-type']).toBe('application/json');
    expect(finished.headers['user-agent']).toMatch(/^vm-webhooks\//);
    expect(finished.headers['webhook-id']).toMatch(/^msg_/);
    expect(finished.headers['webhook-signature']).toMatch(/^v1,/);
    for (const g of rx.got) expect(genuine(g, created.secret)).toBe(true);
    // The data is the event as GET /v1/events gives it; the timestamp is its time.
    const [event] = (
      await admin.call('events.list', { query: { subject: opId, type: 'operation.finished' } })
    ).data;
    expect(finished.json).toEqual({ type: 'operation.finished', timestamp: event!.time, data: event });
    const lines = rx.got.filter((g) => g.json.type.startsWith('line.'));
    expect(lines.map((g) => [g.json.data.subject, g.json.type]).sort()).toEqual(
      numbers
        .flatMap((n) => [
          [n, 'line.blocked'],
          [n, 'line.status_changed'],
        ])
        .sort(),
    );
    const ids = rx.got.map((g) => g.json.data.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(rx.got.map((g) => g.headers['webhook-id'])).size).toBe(rx.got.length);
    // A tampered body does not verify.
    expect(genuine({ ...finished, body: finished.body.replace('succeeded', 'failed') }, created.secret)).toBe(
      false,
    );
  });

  it('retries a receiver that fails with backoff by the backend clock, holding the later ones', async () => {
    rx.got = [];
    rx.mode = 'fail';
    await change(admin, 'number.unblock', [sales[0]!.msisdn]);
    await until(() => rx.got.length >= 1, 'the first attempt');
    const first = rx.got[0]!;
    // Another event meanwhile: it waits behind the failing one.
    await change(admin, 'number.unblock', [sales[1]!.msisdn]);
    await new Promise((r) => setTimeout(r, 400));
    expect(rx.got.map((g) => g.headers['webhook-id'])).toEqual([first.headers['webhook-id']]);
    await until(async () => {
      const d = (await deliveries(admin, created.webhook.id)).find(
        (x) => x.id === first.headers['webhook-id'],
      );
      return d?.attempts.length === 1;
    }, 'the failed attempt recorded');
    const failed = (await deliveries(admin, created.webhook.id)).find(
      (x) => x.id === first.headers['webhook-id'],
    )!;
    expect(failed).toMatchObject({
      state: 'pending',
      attempts: [{ attempt: 1, status: 503, error: 'HTTP 503' }],
    });
    const now = b.services.clock.now().getTime();
    expect(Date.parse(failed.nextAttemptAt!) - now).toBe(5000);

    // 4 s later nothing is due; at 5 s the second attempt goes (the connection is closed on it now).
    rx.mode = 'close';
    b.advance(4);
    await new Promise((r) => setTimeout(r, 400));
    expect(rx.got).toHaveLength(1);
    b.advance(1);
    await until(() => rx.got.length >= 2, 'the second attempt');
    await until(async () => {
      const d = (await deliveries(admin, created.webhook.id)).find(
        (x) => x.id === first.headers['webhook-id'],
      );
      return d?.attempts.length === 2;
    }, 'the second attempt recorded');
    const closed = (await deliveries(admin, created.webhook.id)).find(
      (x) => x.id === first.headers['webhook-id'],
    )!;
    expect(closed.attempts[1]).toMatchObject({ attempt: 2, status: null });
    expect(closed.attempts[1]!.error).toBeTruthy();

    // The receiver is back; after the next wait (5 min) the held deliveries go, in order, once each.
    // (A connection closed on a kept-alive socket is tried once more on a new one: the same attempt.)
    rx.mode = 'ok';
    const okFrom = rx.got.length;
    b.advance(300);
    await until(() => rx.got.filter((g) => g.json.type === 'operation.finished').length >= 2, 'the rest');
    await until(
      async () => (await admin.call('webhooks.show', { params: { id: created.webhook.id } })).pending === 0,
      'nothing pending',
    );
    const delivered = rx.got.slice(okFrom);
    const ids = delivered.map((g) => g.json.data.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(delivered[0]!.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(new Set(delivered.map((g) => g.headers['webhook-id'])).size).toBe(delivered.length);
    const d = (await deliveries(admin, created.webhook.id)).find(
      (x) => x.id === first.headers['webhook-id'],
    )!;
    expect(d).toMatchObject({ state: 'delivered', nextAttemptAt: null });
    expect(d.attempts.map((a) => a.status)).toEqual([503, null, 200]);
  });

  it('queues a delivery again on request, with the same webhook-id, and says so while it is pending', async () => {
    const [latest] = await deliveries(admin, created.webhook.id);
    rx.got = [];
    const again = await admin.call('webhooks.redeliver', { params: { id: latest!.id } });
    expect(again.state).toBe('pending');
    await until(() => rx.got.length === 1, 'the redelivery');
    expect(rx.got[0]!.headers['webhook-id']).toBe(latest!.id);
    expect(genuine(rx.got[0]!, created.secret)).toBe(true);
    rx.mode = 'hang';
    await change(admin, 'number.block', [sales[2]!.msisdn]);
    await until(() => rx.got.length >= 2, 'a delivery in flight');
    const pending = (await deliveries(admin, created.webhook.id)).find((x) => x.state === 'pending')!;
    expect(await rejection(admin.call('webhooks.redeliver', { params: { id: pending.id } }))).toMatchObject({
      code: 'conflict',
      details: { reason: 'webhook_delivery_pending' },
    });
    expect(await rejection(admin.call('webhooks.redeliver', { params: { id: 'msg_nope' } }))).toMatchObject({
      code: 'not_found',
    });
    rx.mode = 'ok';
    const audit = await admin.call('audit.list', { query: { action: 'webhooks.redeliver' } });
    expect(audit.data.find((e) => e.target === latest!.id)).toMatchObject({ result: 'ok' });
    expect(audit.data.find((e) => e.target === 'msg_nope')).toMatchObject({ result: 'failed: 404' });
  });

  it('sends a test delivery at once and says what the receiver answered', async () => {
    rx.mode = 'ok';
    const before = rx.got.length;
    const result = await admin.call('webhooks.test', { params: { id: created.webhook.id } });
    expect(result).toMatchObject({ ok: true, status: 200, error: null });
    const got = rx.got.slice(before).find((g) => g.json.type === 'webhook.test')!;
    expect(got.json.data.webhookId).toBe(created.webhook.id);
    expect(genuine(got, created.secret)).toBe(true);
  });
});

describe('webhooks on the creator rights', () => {
  let rx: Receiver;
  let manager: VmClient;
  let webhookId: string;

  beforeAll(async () => {
    rx = await receiver();
    await admin.call('roles.create', { body: { name: 'Webhook admin', permissions: ['webhooks:admin'] } });
    await admin.call('users.grant', {
      params: { id: 'manager@demo.test' },
      body: { role: 'Webhook admin', group: 'sales' },
    });
    manager = await b.loginAs('manager@demo.test', 'manager-demo-1');
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const created = await manager.call('webhooks.create', {
      body: { url: rx.url, events: ['line.*', 'operation.finished'], secret },
    });
    expect(created.secret).toBe(secret);
    webhookId = created.webhook.id;
  });
  afterAll(async () => {
    await rx.close();
  });

  it("gives a Sales manager Sales numbers' events and never an HQ number's", async () => {
    await change(admin, 'number.unblock', [sales[2]!.msisdn]);
    await change(admin, 'number.block', [others[1]!.msisdn, sales[3]!.msisdn]);
    await until(() => rx.got.some((g) => g.json.data.subject === sales[3]!.msisdn), 'the Sales event');
    await until(
      async () => (await manager.call('webhooks.show', { params: { id: webhookId } })).pending === 0,
      'nothing pending',
    );
    const salesNumbers = new Set(sales.map((n) => n.msisdn));
    expect(rx.got.length).toBeGreaterThan(0);
    for (const g of rx.got) {
      expect(g.json.data.subjectType).toBe('number');
      expect(salesNumbers.has(g.json.data.subject)).toBe(true);
    }
    // The admin's operations are not the manager's: none of their operation.finished went out.
    expect(rx.got.some((g) => g.json.type === 'operation.finished')).toBe(false);
    const queued = await deliveries(manager, webhookId);
    expect(queued.every((d) => d.eventType.startsWith('line.'))).toBe(true);
    // Another's subscription looks unknown to the manager; the admin sees every one.
    const adminsOwn = (await admin.call('webhooks.list')).data.map((w) => w.id);
    expect(adminsOwn).toContain(webhookId);
    const mine = (await manager.call('webhooks.list')).data.map((w) => w.id);
    expect(mine).toEqual([webhookId]);
  });

  it('pauses when the creator is disabled: audited, told as an event, nothing sent until resumed', async () => {
    await admin.call('users.disable', { params: { id: 'manager@demo.test' } });
    await until(
      async () => (await admin.call('webhooks.show', { params: { id: webhookId } })).state === 'paused',
      'the pause',
    );
    const paused = await admin.call('webhooks.show', { params: { id: webhookId } });
    expect(paused).toMatchObject({ state: 'paused', pausedReason: 'disabled' });
    const audit = await admin.call('audit.list', { query: { action: 'webhooks.pause' } });
    expect(audit.data[0]).toMatchObject({
      actor: 'webhooks',
      target: webhookId,
      params: { reason: 'disabled' },
    });
    const told = await admin.call('events.list', { query: { type: 'webhook.paused' } });
    expect(told.data.at(-1)).toMatchObject({ subject: webhookId, data: { reason: 'disabled' } });

    const before = rx.got.length;
    await change(admin, 'number.unblock', [sales[3]!.msisdn]);
    await new Promise((r) => setTimeout(r, 400));
    expect(rx.got).toHaveLength(before);
    expect(await rejection(admin.call('webhooks.resume', { params: { id: webhookId } }))).toMatchObject({
      code: 'business_rule',
      details: { reason: 'webhook_creator_not_permitted', why: 'disabled' },
    });

    await admin.call('users.enable', { params: { id: 'manager@demo.test' } });
    const resumed = await admin.call('webhooks.resume', { params: { id: webhookId } });
    expect(resumed).toMatchObject({ state: 'active', pausedReason: null });
    await change(admin, 'number.block', [sales[4]!.msisdn]);
    await until(
      () => rx.got.some((g) => g.json.data.subject === sales[4]!.msisdn),
      'a delivery after resume',
    );
    // The unblock of the pause was never sent.
    expect(
      rx.got.some((g) => g.json.data.subject === sales[3]!.msisdn && g.json.type === 'line.unblocked'),
    ).toBe(false);
    const resumeAudit = await admin.call('audit.list', { query: { action: 'webhooks.resume' } });
    expect(resumeAudit.data[0]).toMatchObject({ target: webhookId, result: 'ok' });
  });

  it("skips, without sending, what is queued but outside the creator's scope when it is due", async () => {
    rx.mode = 'fail';
    const before = rx.got.length;
    await change(admin, 'number.unblock', [sales[4]!.msisdn]);
    await until(() => rx.got.length > before, 'the failed first attempt');
    // The manager keeps webhooks:admin but no longer reads the events of Sales.
    await admin.call('users.revoke', {
      params: { id: 'manager@demo.test' },
      body: { role: 'Sales manager', group: 'sales' },
    });
    rx.mode = 'ok';
    const tried = rx.got.length;
    b.advance(5);
    await until(
      async () => (await admin.call('webhooks.show', { params: { id: webhookId } })).pending === 0,
      'nothing pending',
    );
    expect(rx.got).toHaveLength(tried);
    const skipped = (await deliveries(admin, webhookId)).filter((d) => d.state === 'skipped');
    expect(skipped.map((d) => d.eventType).sort()).toEqual(['line.status_changed', 'line.unblocked']);
    expect((await admin.call('webhooks.show', { params: { id: webhookId } })).state).toBe('active');
    await admin.call('users.grant', {
      params: { id: 'manager@demo.test' },
      body: { role: 'Sales manager', group: 'sales' },
    });
  });

  it('pauses when the creator loses webhooks:admin', async () => {
    await admin.call('users.revoke', {
      params: { id: 'manager@demo.test' },
      body: { role: 'Webhook admin', group: 'sales' },
    });
    await until(
      async () => (await admin.call('webhooks.show', { params: { id: webhookId } })).state === 'paused',
      'the pause',
    );
    expect((await admin.call('webhooks.show', { params: { id: webhookId } })).pausedReason).toBe(
      'permission_missing',
    );
    await admin.call('webhooks.remove', { params: { id: webhookId } });
    expect(await rejection(admin.call('webhooks.show', { params: { id: webhookId } }))).toMatchObject({
      code: 'not_found',
    });
    const audit = await admin.call('audit.list', { query: { action: 'webhooks.remove' } });
    expect(audit.data[0]).toMatchObject({ target: webhookId, result: 'ok' });
  });
});

describe('webhook URLs (server-side request forgery)', () => {
  it.each([
    ['https://10.0.0.1/hook', 'webhook_url_private'],
    ['https://169.254.169.254/latest/meta-data/', 'webhook_url_private'],
    ['https://[fd00::1]/hook', 'webhook_url_private'],
    ['https://0.0.0.0/hook', 'webhook_url_private'],
    ['http://example.com/hook', 'webhook_url_not_https'],
    ['https://user:secret@example.com/hook', 'webhook_url_credentials'],
    ['ftp://example.com/hook', 'webhook_url_invalid'],
  ])('refuses %s', async (url, reason) => {
    const err = await rejection(admin.call('webhooks.create', { body: { url, events: ['*'] } }));
    expect(err).toMatchObject({ code: 'business_rule', details: { reason } });
  });

  it('refuses an unknown event type and a secret that is not one', async () => {
    const url = 'http://127.0.0.1:9/hook';
    expect(
      await rejection(admin.call('webhooks.create', { body: { url, events: ['nope.*'] } })),
    ).toMatchObject({
      code: 'validation_failed',
      details: { reason: 'webhook_event_unknown', type: 'nope.*' },
    });
    expect(
      await rejection(
        admin.call('webhooks.create', { body: { url, events: ['*'], secret: 'whsec_c2hvcnQ=' } }),
      ),
    ).toMatchObject({
      code: 'validation_failed',
      details: { reason: 'webhook_secret_invalid', problem: 'length' },
    });
  });

  it('allows private addresses on a backend started with --allow-private-webhooks', async () => {
    const open = await startTestBackend({ allowPrivateWebhooks: true });
    try {
      const a = await open.loginAs('admin@demo.test', 'admin-demo-1');
      const created = await a.call('webhooks.create', {
        body: { url: 'https://10.0.0.1/hook', events: ['*'] },
      });
      expect(created.webhook.url).toBe('https://10.0.0.1/hook');
      expect(
        await rejection(a.call('webhooks.create', { body: { url: 'http://10.0.0.1/', events: ['*'] } })),
      ).toMatchObject({ details: { reason: 'webhook_url_not_https' } });
    } finally {
      await open.stop();
    }
  });

  it('checks the address a delivery connects to: a name that resolves elsewhere later is refused', async () => {
    const rx = await receiver();
    const port = new URL(rx.url).port;
    let answer = '127.0.0.1';
    const sender = new WebhookSender({
      allowPrivate: false,
      resolve: (_host, _opts, cb) => cb(null, [{ address: answer, family: 4 }]),
    });
    try {
      const url = new URL(`http://rebind.localhost:${port}/hook`);
      expect(await sender.checkHost(url)).toBeUndefined();
      expect((await sender.send(url.href, {}, '{}')).ok).toBe(true);
      answer = '10.0.0.7';
      expect(await sender.checkHost(url)).toMatchObject({ address: '10.0.0.7', kind: 'private' });
      const refused = await sender.send(`https://rebind.test:${port}/hook`, {}, '{}');
      expect(refused).toMatchObject({
        ok: false,
        status: null,
        error: 'address refused: 10.0.0.7 (private)',
      });
      expect(await sender.send('https://169.254.169.254/', {}, '{}')).toMatchObject({
        ok: false,
        error: 'address refused: 169.254.169.254 (link_local)',
      });
      expect(rx.got).toHaveLength(1);
    } finally {
      sender.close();
      await rx.close();
    }
  });
});

describe('webhooks across a restart', () => {
  it('loses no pending delivery and sends again the one in flight when it stopped', async () => {
    let r = await startTestBackend();
    const rx = await receiver('fail');
    try {
      let a = await r.loginAs('admin@demo.test', 'admin-demo-1');
      const created = await a.call('webhooks.create', { body: { url: rx.url, events: ['line.blocked'] } });
      const numbers: string[] = [];
      for await (const n of a.paginate('numbers.list', { status: 'active' }, 100)) numbers.push(n.msisdn);
      await a.call('operations.create', {
        body: {
          type: 'number.block',
          params: { reason: 'lost' },
          targets: numbers.slice(0, 3).map((msisdn) => ({ msisdn })),
        },
        idempotencyKey: 'restart-1',
      });
      await r.services.worker.idle();
      await until(() => rx.got.length >= 1, 'the first attempt');
      // The first failed; the next try is the one in flight (no answer) when the backend stops.
      rx.mode = 'hang';
      r.advance(5);
      await until(() => rx.got.length >= 2, 'the attempt in flight');
      const inFlight = rx.got[1]!.headers['webhook-id'];
      const clock = r.services.clock.now();
      await r.stop({ keepData: true });

      rx.mode = 'ok';
      r = await startTestBackend({ dataDir: r.dataDir, clockStart: clock });
      a = await r.loginAs('admin@demo.test', 'admin-demo-1');
      await until(() => rx.got.length >= 5, 'the three deliveries after the restart');
      const after = rx.got.slice(2);
      expect(after.map((g) => g.headers['webhook-id'])[0]).toBe(inFlight);
      expect(after.map((g) => g.json.data.subject)).toEqual(numbers.slice(0, 3));
      expect(new Set(after.map((g) => g.headers['webhook-id'])).size).toBe(3);
      await until(
        async () => (await a.call('webhooks.show', { params: { id: created.webhook.id } })).pending === 0,
        'nothing pending',
      );
      await new Promise((res) => setTimeout(res, 300));
      expect(rx.got).toHaveLength(5);
    } finally {
      await r.stop();
      await rx.close();
    }
  });
});

describe('webhook rights', () => {
  it('refuses a caller without webhooks:admin', async () => {
    const viewer = await b.loginAs('viewer@demo.test', 'viewer-demo-1');
    expect(await rejection(viewer.call('webhooks.list'))).toMatchObject({ code: 'forbidden' });
    expect(
      await rejection(
        viewer.call('webhooks.create', { body: { url: 'http://127.0.0.1:9/', events: ['*'] } }),
      ),
    ).toMatchObject({ code: 'forbidden' });
  });
});
