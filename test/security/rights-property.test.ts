import { routes, type RouteDef, type RouteId } from '../../src/api/routes.js';
import { expandSubtrees } from '../../src/backend/engine/authz.js';
import type { VmClient } from '../../src/client/client.js';
import { ALL_PERMISSIONS } from '../../src/domain/permissions.js';
import { startTestBackend, type TestBackend } from '../integration/harness.js';
import { invite } from '../support/invite.js';

/**
 * Property: whatever sequence of calls an administrator scoped to the Sales subtree makes, through every
 * mutating route, nobody ends up with a right (permission × group) that the caller did not hold at the
 * start — and no account the caller took over (password reset, new e-mail) holds more than the caller.
 */

/** Mutating routes the sequences do not call, and why. */
const NOT_CALLED: Partial<Record<RouteId, string>> = {
  'auth.login': 'public: logging in grants nothing new',
  'auth.logout': "ends the caller's own session, which would end the sequence",
};

type Input = {
  params?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
  idempotencyKey?: string;
};

/** A small seeded generator (mulberry32), so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let b: TestBackend;
let admin: VmClient;

beforeAll(async () => {
  b = await startTestBackend();
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  await admin.call('roles.create', {
    body: {
      name: 'Sales admin',
      permissions: ['numbers:read', 'users:admin', 'groups:write', 'block:write'],
    },
  });
  await admin.call('roles.create', {
    body: { name: 'Auditor', permissions: ['audit:read', 'numbers:read'] },
  });
  await admin.call('roles.create', {
    body: { name: 'Block officer', permissions: ['numbers:read', 'block:write'] },
  });
  await invite(b, admin, 'north-viewer@demo.test', { role: 'Viewer', group: 'sales-north' });
  await invite(b, admin, 'auditor@demo.test', { role: 'Auditor', group: null });
  await invite(b, admin, 'officer@demo.test', { role: 'Block officer', group: 'warehouse' });
  await invite(b, admin, 'north-officer@demo.test', { role: 'Block officer', group: 'sales-north' });
  await admin.call('users.create', { body: { name: 'Nobody yet', email: 'fresh@demo.test' } });
});
afterAll(async () => {
  await b.stop();
});

/** Every right of every user, as `permission@group`, expanded over the current group tree. */
function rights(): Map<string, Set<string>> {
  const store = b.services.store;
  const groups = store.catalog.groupRecords();
  const out = new Map<string, Set<string>>();
  for (const u of store.users.all()) {
    const set = new Set<string>();
    for (const g of store.users.grants(u.id)) {
      const ids =
        g.groupId === null ? ['*', ...groups.map((x) => x.id)] : [...expandSubtrees(groups, [g.groupId])];
      for (const p of g.permissions) for (const id of ids) set.add(`${p}@${id}`);
    }
    out.set(u.email, set);
  }
  return out;
}

describe('a Sales-scoped administrator', () => {
  it.each([1, 2, 3, 4])('never raises anyone above its own rights (sequence seed %i)', async (seed) => {
    const rnd = random(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const email = `sales-admin-${seed}@demo.test`;
    const caller = await invite(b, admin, email, { role: 'Sales admin', group: 'sales' });
    const store = b.services.store;
    const startGroups = store.catalog.groupRecords();
    const callerGrants = store.users.grants(store.users.all().find((u) => u.email === email)?.id ?? -1);
    const baseline = rights();
    const taken = new Set<string>(); // accounts whose password or login the caller changed
    const opIds: string[] = [];

    /** The caller held this right at the start: a root of its grants covers the group now and then. */
    const callerHeld = (right: string): boolean => {
      const [perm, group] = right.split('@') as [string, string];
      const groupsNow = store.catalog.groupRecords();
      const existed = startGroups.some((g) => g.id === group);
      return callerGrants.some(
        (g) =>
          g.permissions.includes(perm) &&
          g.groupId !== null &&
          group !== '*' &&
          expandSubtrees(groupsNow, [g.groupId]).has(group) &&
          (!existed || expandSubtrees(startGroups, [g.groupId]).has(group)),
      );
    };
    /**
     * The user held this right at the start: the same, or — for a group made since — the right over the
     * nearest group that existed then (a new group inherits from where it was made).
     */
    const inherited = (before: Set<string>, right: string): boolean => {
      if (before.has(right)) return true;
      const [perm, group] = right.split('@') as [string, string];
      if (startGroups.some((g) => g.id === group)) return false;
      const parent = new Map(store.catalog.groupRecords().map((g) => [g.id, g.parentId]));
      let g: string | null | undefined = parent.get(group);
      while (g && !startGroups.some((x) => x.id === g)) g = parent.get(g);
      return before.has(`${perm}@${g ?? '*'}`);
    };
    const users = () => store.users.all().map((u) => u.email);
    const roleNames = () => store.users.roles().map((r) => r.name);
    const groupIds = () => store.catalog.groupRecords().map((g) => g.id);
    const perms = () => ALL_PERMISSIONS.filter(() => rnd() < 0.35).concat(['numbers:read']);
    const scope = () => (rnd() < 0.25 ? { company: true } : { group: pick(groupIds()) });
    const msisdn = () => {
      const lines = store.numbers.list({ groupIds: null, limit: 300 });
      return pick(lines).msisdn;
    };
    const name = () => `x${Math.floor(rnd() * 1e6)}`;

    /** A change of one random kind to a random number, with every parameter any of the kinds takes. */
    const change = () => ({
      type: pick(['group.move', 'number.block', 'tariff.change', 'limit.set']),
      params: { group: pick(groupIds()), reason: 'lost', tariff: 'SMART', monthly: 100000, action: 'block' },
      targets: [{ msisdn: msisdn() }],
    });
    const moves: Partial<Record<RouteId, () => Input>> = {
      'tokens.create': () => ({ body: { name: name(), scope: perms() } }),
      'tokens.revoke': () => ({ params: { id: name() } }),
      'groups.create': () => ({ body: { name: name(), parent: pick(groupIds()) } }),
      'groups.update': () => ({
        params: { id: pick(groupIds()) },
        body:
          rnd() < 0.5 ? { parent: pick(groupIds()) } : rnd() < 0.5 ? { topLevel: true } : { name: name() },
      }),
      'groups.delete': () => ({ params: { id: pick(groupIds()) }, query: { moveTo: pick(groupIds()) } }),
      'operations.create': () => ({ body: change(), idempotencyKey: name() }),
      'operations.plan': () => ({ body: change() }),
      'operations.cancel': () => ({ params: { id: pick(opIds.length ? opIds : ['op_none']) } }),
      'operations.rollbackPlan': () => ({ params: { id: pick(opIds.length ? opIds : ['op_none']) } }),
      'operations.rollback': () => ({
        params: { id: pick(opIds.length ? opIds : ['op_none']) },
        idempotencyKey: name(),
      }),
      'users.create': () => ({ body: { name: name(), email: `${name()}@demo.test` } }),
      'users.update': () => ({
        params: { id: pick(users()) },
        body:
          rnd() < 0.5 ? { email: `${name()}@evil.test` } : { phone: `+7999${Math.floor(1e6 + rnd() * 8e6)}` },
      }),
      'users.resetPassword': () => ({ params: { id: pick(users()) }, body: { showPassword: true } }),
      'users.disable': () => ({ params: { id: pick(users()) } }),
      'users.enable': () => ({ params: { id: pick(users()) } }),
      'users.grant': () => ({ params: { id: pick(users()) }, body: { role: pick(roleNames()), ...scope() } }),
      'users.revoke': () => ({
        params: { id: pick(users()) },
        body: { role: pick(roleNames()), ...scope() },
      }),
      'me.password': () => ({ body: { oldPassword: 'own-password-1', newPassword: 'own-password-1' } }),
      'roles.create': () => ({ body: { name: name(), permissions: perms() } }),
      'roles.update': () => ({ params: { name: pick(roleNames()) }, body: { permissions: perms() } }),
      'roles.delete': () => ({ params: { name: pick(roleNames()) } }),
      'consents.request': () => ({ params: { msisdn: msisdn() } }),
      'consents.revoke': () => ({ params: { msisdn: msisdn() } }),
      'appeals.create': () => ({ body: { type: 'question', subject: name(), text: 't', number: msisdn() } }),
      'appeals.reply': () => ({ params: { id: 'ap_none' }, body: { text: 't' } }),
      'uploads.create': () => ({ query: { name: `${name()}.txt` } }),
      'payments.create': () => ({ body: { account: '4001001', amount: 100 }, idempotencyKey: name() }),
      'autopay.set': () => ({ body: { account: '4001001', below: 100, amount: 100 } }),
      'autopay.off': () => ({ params: { account: '4001001' } }),
      'limits.groupSet': () => ({ body: { group: pick(groupIds()), monthly: 100000, action: 'block' } }),
      'limits.groupRemove': () => ({ params: { group: pick(groupIds()) } }),
      'alerts.set': () => ({
        body:
          rnd() < 0.5
            ? { numbers: [msisdn(), msisdn()], metric: 'data', threshold: 500, action: 'block' }
            : { group: pick(groupIds()), metric: 'sms', threshold: 10, period: 'day' },
        idempotencyKey: name(),
      }),
      'alerts.remove': () => ({
        body:
          rnd() < 0.5
            ? { ids: [`al_${1 + Math.floor(rnd() * 5)}`] }
            : { group: pick(groupIds()), metric: 'sms', threshold: 10, period: 'day' },
        idempotencyKey: name(),
      }),
      'cdr.query': () => ({ body: { numbers: [msisdn()], from: '2026-10-01', to: '2026-10-01' } }),
      'detailRequests.create': () => ({
        body: { numbers: [msisdn()], from: '2026-10-01', to: '2026-10-01' },
      }),
      'reports.run': () => ({ params: { type: 'inventory' }, body: { numbers: [msisdn()] } }),
      // Webhooks deliver on their creator's current rights (events:read scope), re-checked at each attempt.
      'webhooks.create': () => ({
        body: { url: 'http://127.0.0.1:9/hook', events: [pick(['*', 'line.*', 'operation.finished'])] },
      }),
      'webhooks.remove': () => ({ params: { id: 'wh_none' } }),
      'webhooks.resume': () => ({ params: { id: 'wh_none' } }),
      'webhooks.test': () => ({ params: { id: 'wh_none' } }),
      'webhooks.redeliver': () => ({ params: { id: 'msg_none' } }),
    };
    const mutating = (Object.keys(routes) as RouteId[]).filter(
      (id) => routes[id].method !== 'GET' && !(routes[id] as RouteDef).testOnly && !NOT_CALLED[id],
    );
    expect(mutating.filter((id) => !moves[id])).toEqual([]); // a new mutating route needs a move here

    const send = caller.call.bind(caller) as unknown as (id: RouteId, i: Input) => Promise<unknown>;
    for (let step = 0; step < 120; step++) {
      const id = pick(mutating);
      const input = (moves[id] as () => Input)();
      let ok = true;
      try {
        const result = (await send(id, input)) as { id?: string } | undefined;
        if (id === 'operations.create' && result?.id) opIds.push(result.id);
      } catch {
        ok = false;
      }
      if (ok && (id === 'users.resetPassword' || id === 'users.update')) {
        const target = store.users
          .all()
          .find((u) => u.email === input.params?.id || String(u.id) === input.params?.id);
        if (target) taken.add(String(target.id));
      }
      await b.services.worker.idle();
      const now = rights();
      const taken_ = new Set(
        store.users
          .all()
          .filter((u) => taken.has(String(u.id)))
          .map((u) => u.email),
      );
      for (const [who, set] of now) {
        const before = baseline.get(who) ?? new Set<string>();
        const gained = [...set].filter((r) => (taken_.has(who) || !inherited(before, r)) && !callerHeld(r));
        expect({ seed, step, route: id, input, who, gained }).toEqual({
          seed,
          step,
          route: id,
          input,
          who,
          gained: [],
        });
      }
    }
  });
});
