import type { VmClient } from '../../src/client/client.js';
import { rejection, startTestBackend, type TestBackend } from '../integration/harness.js';
import { auditOf } from '../support/invite.js';

/**
 * An API token is limited by its scope on every route, including those about its own user: a leaked
 * read-only token never cancels its owner's changes, manages tokens, reads the outbox (one-time
 * passwords) or changes the password.
 */
let b: TestBackend;
let admin: VmClient;
let readOnly: VmClient;
let blocks: VmClient;
let scheduled: string;

beforeAll(async () => {
  b = await startTestBackend();
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  readOnly = b.client(
    (await admin.call('tokens.create', { body: { name: 'ro', scope: ['numbers:read'] } })).token,
  );
  blocks = b.client(
    (await admin.call('tokens.create', { body: { name: 'blocks', scope: ['numbers:read', 'block:write'] } }))
      .token,
  );
  const msisdn =
    (await admin.call('numbers.list', { query: { group: 'drivers', limit: 1 } })).data[0]?.msisdn ?? '';
  const at = new Date(b.services.clock.now().getTime() + 86400_000).toISOString();
  scheduled = (
    await admin.call('operations.create', {
      body: { type: 'number.block', params: { reason: 'lost' }, targets: [{ msisdn }], scheduledAt: at },
      idempotencyKey: 'tok-1',
    })
  ).id;
});
afterAll(async () => {
  await b.stop();
});

describe('a numbers:read token', () => {
  it.each([
    ['tokens.list', () => readOnly.call('tokens.list')],
    [
      'tokens.create',
      () => readOnly.call('tokens.create', { body: { name: 'more', scope: ['numbers:read'] } }),
    ],
    ['tokens.revoke', () => readOnly.call('tokens.revoke', { params: { id: 'blocks' } })],
    ['notifications.list', () => readOnly.call('notifications.list')],
    ['sessions.list', () => readOnly.call('sessions.list')],
    [
      'me.password',
      () =>
        readOnly.call('me.password', { body: { oldPassword: 'admin-demo-1', newPassword: 'taken-over-1' } }),
    ],
  ])('is refused %s (403 session_required, audited)', async (route, call) => {
    expect(await rejection(call())).toMatchObject({ status: 403, details: { reason: 'session_required' } });
    expect(auditOf(b, route).pop()?.result).toMatch(/^denied/);
  });

  it('neither sees nor cancels its owner’s block', async () => {
    expect(await rejection(readOnly.call('operations.cancel', { params: { id: scheduled } }))).toMatchObject({
      status: 404,
    });
    expect((await readOnly.call('operations.list')).data).toEqual([]);
    expect((await admin.call('operations.show', { params: { id: scheduled } })).state).toBe('scheduled');
    // The other token was not revoked, the password still works.
    await expect(blocks.call('me.show')).resolves.toMatchObject({ tokenName: 'blocks' });
    await expect(b.loginAs('admin@demo.test', 'admin-demo-1')).resolves.toBeDefined();
  });

  it('still answers who it is', async () => {
    const me = await readOnly.call('me.show');
    expect(me.grants.flatMap((g) => g.permissions)).toEqual(['numbers:read']);
  });
});

describe('a block:write token', () => {
  it('sees and cancels its owner’s scheduled block', async () => {
    expect((await blocks.call('operations.list')).data.map((o) => o.id)).toContain(scheduled);
    await expect(blocks.call('operations.cancel', { params: { id: scheduled } })).resolves.toMatchObject({
      state: 'cancelled',
    });
  });
});
