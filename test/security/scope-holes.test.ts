import type { VmClient } from '../../src/client/client.js';
import { rejection, startTestBackend, type TestBackend } from '../integration/harness.js';
import { auditOf, invite } from '../support/invite.js';

/** Holes a security review found in the scope of group moves, appeals and scheduled operations. */
let b: TestBackend;
let admin: VmClient;
/** Numbers by group id, read as the admin. */
const numbersIn = new Map<string, string[]>();

function numberIn(group: string, index = 0): string {
  const n = numbersIn.get(group)?.[index];
  if (!n) throw new Error(`no number ${index} in ${group}`);
  return n;
}

beforeAll(async () => {
  b = await startTestBackend();
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  for await (const n of admin.paginate('numbers.list', { status: 'active' })) {
    numbersIn.set(n.groupId, [...(numbersIn.get(n.groupId) ?? []), n.msisdn]);
  }
  await admin.call('roles.create', {
    body: { name: 'Organizer', permissions: ['numbers:read', 'groups:write'] },
  });
  await admin.call('roles.create', {
    body: { name: 'Support', permissions: ['numbers:read', 'appeals:write'] },
  });
});
afterAll(async () => {
  await b.stop();
});

async function run(): Promise<void> {
  await b.services.worker.idle();
}

/** Moves the clock past a scheduled time and runs the worker; the admin logs in again (20 min idle). */
async function later(seconds: number): Promise<void> {
  b.advance(seconds);
  await run();
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
}

describe('group.move stays inside the caller scope', () => {
  let organizer: VmClient;
  beforeAll(async () => {
    organizer = await invite(b, admin, 'organizer@demo.test', { role: 'Organizer', group: 'sales' });
  });

  it('refuses a destination outside the scope as an unknown group, in a dry run and a submission', async () => {
    const body = {
      type: 'group.move' as const,
      params: { group: 'drivers' },
      targets: [{ msisdn: numberIn('sales-north') }],
    };
    for (const query of [{ dryRun: true }, {}]) {
      const err = await rejection(
        organizer.call('operations.create', { body, query, idempotencyKey: 'mv-1' }),
      );
      expect(err).toMatchObject({ status: 404, details: { reason: 'group_not_found' } });
    }
    const line = await admin.call('numbers.show', { params: { msisdn: numberIn('sales-north') } });
    expect(line.groupId).toBe('sales-north');
  });

  it('fails a per-row destination outside the scope item by item', async () => {
    const op = await organizer.call('operations.create', {
      body: {
        type: 'group.move',
        params: {},
        targets: [
          { msisdn: numberIn('sales-north'), params: { group: 'warehouse' } },
          { msisdn: numberIn('sales-north', 1), params: { group: 'sales-south' } },
        ],
      },
      idempotencyKey: 'mv-2',
    });
    await run();
    const items = (await organizer.call('operations.items', { params: { id: op.id } })).data;
    expect(items.map((i) => [i.state, i.code])).toEqual([
      ['failed', 'group_unknown'],
      ['succeeded', null],
    ]);
    expect((await admin.call('numbers.show', { params: { msisdn: numberIn('sales-north') } })).groupId).toBe(
      'sales-north',
    );
  });
});

describe('a move never widens anyone’s rights beyond the mover’s', () => {
  let organizer: VmClient;
  beforeAll(async () => {
    // A Viewer over Sales North reads call details there; the organizer (groups:write over Sales) does not.
    await invite(b, admin, 'north-reader@demo.test', { role: 'Viewer', group: 'sales-north' });
    organizer = await invite(b, admin, 'organizer2@demo.test', { role: 'Organizer', group: 'sales' });
  });

  it('fails moving a number under a group where a grant gives rights the mover lacks', async () => {
    const msisdn = numberIn('sales-south', 4);
    const op = await organizer.call('operations.create', {
      body: { type: 'group.move', params: { group: 'sales-north' }, targets: [{ msisdn }] },
      idempotencyKey: 'widen-1',
    });
    await run();
    const items = (await organizer.call('operations.items', { params: { id: op.id } })).data;
    expect(items.map((i) => [i.state, i.code])).toEqual([['failed', 'move_widens_rights']]);
    expect((await admin.call('numbers.show', { params: { msisdn } })).groupId).toBe('sales-south');
  });

  it('refuses re-parenting a group, or deleting one into such a group (403, audited)', async () => {
    const created = await organizer.call('groups.create', {
      body: { name: 'Sales East', parent: 'sales-south' },
    });
    const err = await rejection(
      organizer.call('groups.update', { params: { id: created.id }, body: { parent: 'sales-north' } }),
    );
    expect(err).toMatchObject({ status: 403, details: { reason: 'move_widens_rights' } });
    expect(auditOf(b, 'groups.update').pop()?.result).toMatch(/^denied/);
    const del = await rejection(
      organizer.call('groups.delete', { params: { id: created.id }, query: { moveTo: 'sales-north' } }),
    );
    expect(del).toMatchObject({ status: 403, details: { reason: 'move_widens_rights' } });
    // The company administrator holds every right there: the same move is fine.
    await expect(
      admin.call('groups.update', { params: { id: created.id }, body: { parent: 'sales-north' } }),
    ).resolves.toMatchObject({ parentId: 'sales-north' });
  });
});

describe('appeals are scoped like their numbers', () => {
  let support: VmClient;
  let other: VmClient;
  let itAppeal: string;
  let generalAppeal: string;
  beforeAll(async () => {
    support = await invite(b, admin, 'support@demo.test', { role: 'Support', group: 'sales' });
    other = await invite(b, admin, 'support2@demo.test', { role: 'Support', group: 'sales' });
    const attachments = [{ name: 'a.txt', contentBase64: Buffer.from('secret').toString('base64') }];
    itAppeal = (
      await admin.call('appeals.create', {
        body: { type: 'complaint', subject: 'IT line', text: 'x', number: numberIn('it'), attachments },
      })
    ).id;
    generalAppeal = (
      await admin.call('appeals.create', { body: { type: 'question', subject: 'General', text: 'y' } })
    ).id;
  });

  it('hides appeals about numbers outside the scope, and general appeals of others', async () => {
    const listed = (await support.call('appeals.list')).data.map((a) => a.id);
    expect(listed).not.toContain(itAppeal);
    expect(listed).not.toContain(generalAppeal);
    for (const call of [
      support.call('appeals.show', { params: { id: itAppeal } }),
      support.call('appeals.show', { params: { id: generalAppeal } }),
      support.call('appeals.reply', { params: { id: itAppeal }, body: { text: 'mine now' } }),
      support.call('appeals.attachment', { params: { id: itAppeal, name: 'a.txt' } }),
    ]) {
      expect(await rejection(call)).toMatchObject({ status: 404 });
    }
    const thread = (await admin.call('appeals.show', { params: { id: itAppeal } })).thread;
    expect(thread.map((m) => m.text)).not.toContain('mine now');
  });

  it('refuses to file an appeal about a number outside the scope', async () => {
    const err = await rejection(
      support.call('appeals.create', {
        body: { type: 'complaint', subject: 's', text: 't', number: numberIn('it') },
      }),
    );
    expect(err).toMatchObject({ status: 404 });
  });

  it('shows appeals about numbers in scope to everyone there; a general one to its author and the company', async () => {
    const about = await support.call('appeals.create', {
      body: { type: 'complaint', subject: 'Sales line', text: 't', number: numberIn('sales-south') },
    });
    const general = await support.call('appeals.create', {
      body: { type: 'question', subject: 'Mine', text: 't' },
    });
    expect((await other.call('appeals.list')).data.map((a) => a.id)).toEqual([about.id]);
    expect((await support.call('appeals.list')).data.map((a) => a.id).sort()).toEqual(
      [about.id, general.id].sort(),
    );
    await expect(admin.call('appeals.show', { params: { id: general.id } })).resolves.toMatchObject({
      id: general.id,
    });
  });
});

describe('a scheduled operation runs on its author’s rights at run time', () => {
  const inAnHour = () => new Date(b.services.clock.now().getTime() + 3600_000).toISOString();

  it('fails the items its author no longer covers when a grant narrows', async () => {
    const blocker = await invite(b, admin, 'blocker@demo.test', { role: 'Sales manager', group: 'sales' });
    const north = numberIn('sales-north', 2);
    const south = numberIn('sales-south', 2);
    const op = await blocker.call('operations.create', {
      body: {
        type: 'number.block',
        params: { reason: 'lost' },
        targets: [{ msisdn: north }, { msisdn: south }],
        scheduledAt: inAnHour(),
      },
      idempotencyKey: 'sched-1',
    });
    expect(op.state).toBe('scheduled');
    await admin.call('users.revoke', {
      params: { id: 'blocker@demo.test' },
      body: { role: 'Sales manager', group: 'sales' },
    });
    await admin.call('users.grant', {
      params: { id: 'blocker@demo.test' },
      body: { role: 'Sales manager', group: 'sales-north' },
    });
    await later(2 * 3600);
    const items = (await admin.call('operations.items', { params: { id: op.id } })).data;
    expect(items.map((i) => [i.msisdn, i.state, i.code])).toEqual([
      [north, 'succeeded', null],
      [south, 'failed', 'author_not_permitted'],
    ]);
    expect((await admin.call('numbers.show', { params: { msisdn: south } })).status).toBe('active');
  });

  it('cancels what a user scheduled when the user is disabled, and audits it', async () => {
    const leaver = await invite(b, admin, 'leaver@demo.test', { role: 'Sales manager', group: 'sales' });
    const target = numberIn('sales-south', 3);
    const op = await leaver.call('operations.create', {
      body: {
        type: 'number.block',
        params: { reason: 'lost' },
        targets: [{ msisdn: target }],
        scheduledAt: inAnHour(),
      },
      idempotencyKey: 'sched-2',
    });
    await admin.call('users.disable', { params: { id: 'leaver@demo.test' } });
    expect((await admin.call('operations.show', { params: { id: op.id } })).state).toBe('cancelled');
    expect(auditOf(b, 'operations.cancel').find((r) => r.target === op.id)).toMatchObject({
      actor: 'admin@demo.test',
      result: 'ok',
    });
    await later(2 * 3600);
    expect((await admin.call('numbers.show', { params: { msisdn: target } })).status).toBe('active');
  });

  it('stops the items of an operation whose token was revoked before it ran', async () => {
    const created = await admin.call('tokens.create', {
      body: { name: 'night-blocks', scope: ['numbers:read', 'block:write'] },
    });
    const target = numberIn('drivers');
    const op = await b.client(created.token).call('operations.create', {
      body: {
        type: 'number.block',
        params: { reason: 'lost' },
        targets: [{ msisdn: target }],
        scheduledAt: inAnHour(),
      },
      idempotencyKey: 'sched-3',
    });
    await admin.call('tokens.revoke', { params: { id: 'night-blocks' } });
    await later(2 * 3600);
    const items = (await admin.call('operations.items', { params: { id: op.id } })).data;
    expect(items.map((i) => [i.state, i.code, i.detail])).toEqual([
      ['failed', 'author_not_permitted', 'token_revoked'],
    ]);
  });
});

describe('money needs money:read', () => {
  it('hides balances and credit limits from a caller without money:read', async () => {
    const manager = await b.loginAs('manager@demo.test', 'manager-demo-1');
    const accounts = (await manager.call('accounts.list')).data;
    expect(accounts.length).toBeGreaterThan(0);
    for (const a of accounts) expect([a.balance, a.creditLimit]).toEqual([null, null]);
    const line = await manager.call('numbers.show', { params: { msisdn: numberIn('sales-north') } });
    expect(line.accountBalance).toBeNull();
    const viewer = await b.loginAs('viewer@demo.test', 'viewer-demo-1');
    for (const a of (await viewer.call('accounts.list')).data) expect(typeof a.balance).toBe('number');
  });
});

describe('a password change', () => {
  it('ends every other session of the user', async () => {
    await invite(b, admin, 'changer@demo.test', { role: 'Viewer', group: 'it' });
    const first = await b.loginAs('changer@demo.test', 'own-password-1');
    const second = await b.loginAs('changer@demo.test', 'own-password-1');
    const done = await first.call('me.password', {
      body: { oldPassword: 'own-password-1', newPassword: 'newer-pass-2' },
    });
    expect(done.sessionsEnded).toBeGreaterThanOrEqual(2); // `second` and the one invite() used
    await expect(first.call('me.show')).resolves.toMatchObject({ email: 'changer@demo.test' });
    expect(await rejection(second.call('me.show'))).toMatchObject({ status: 401 });
  });
});
