import type { VmClient } from '../../src/client/client.js';
import { startTestBackend, rejection, type TestBackend } from '../integration/harness.js';

let b: TestBackend;
let admin: VmClient;
/** The one-time password of the disabled user. */
let gonePassword: string;

beforeAll(async () => {
  b = await startTestBackend({ lines: 50 });
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  const invited = await admin.call('users.create', {
    body: { name: 'Gone', email: 'gone@demo.test', showPassword: true },
  });
  gonePassword = invited.oneTimePassword ?? '';
  await admin.call('users.disable', { params: { id: 'gone@demo.test' } });
});
afterAll(async () => {
  await b.stop();
});

/** One login attempt over plain HTTP: the status, the body without its request id, the time it took. */
async function attempt(
  login: string,
  password: string,
): Promise<{ status: number; body: unknown; ms: number }> {
  const started = process.hrtime.bigint();
  const res = await fetch(`${b.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password }),
  });
  const body = (await res.json()) as { error?: { requestId?: string } };
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (body.error) delete body.error.requestId;
  return { status: res.status, body, ms };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] as number;
};

describe('a login attempt tells nothing about whether the login exists', () => {
  const kinds = {
    'an unknown login': 'nobody@demo.test',
    'a wrong password': 'viewer@demo.test',
    'a disabled user with a wrong password': 'gone@demo.test',
  };

  it('answers an unknown login, a wrong password and a disabled user alike', async () => {
    const answers = await Promise.all(Object.values(kinds).map((login) => attempt(login, 'wrong-password')));
    for (const a of answers) {
      expect(a.status).toBe(401);
      expect(a.body).toEqual({ error: { code: 'invalid_credentials', message: 'Wrong login or password' } });
    }
    b.advance(16 * 60);
  });

  it('takes as long for each of them (medians of 20 tries within a factor of 2)', async () => {
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
    // Four rounds of five: the fifth failure locks each login for 15 minutes, the clock then moves on.
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 5; i++) {
        for (const [kind, login] of Object.entries(kinds)) {
          times[kind]?.push((await attempt(login, `wrong-${round}-${i}`)).ms);
        }
      }
      b.advance(16 * 60);
    }
    const medians = Object.values(times).map(median);
    expect(Math.max(...medians) / Math.min(...medians)).toBeLessThan(2);
  });

  it('locks a login that does not exist exactly as one that does, after 5 failures', async () => {
    const real = 'manager@demo.test';
    const ghost = 'ghost@demo.test';
    for (let i = 1; i <= 4; i++) {
      const [r, g] = [await attempt(real, `bad-${i}`), await attempt(ghost, `bad-${i}`)];
      expect(r).toMatchObject({ status: 401 });
      expect(g.body).toEqual(r.body);
    }
    const [r5, g5] = [await attempt(real, 'bad-5'), await attempt(ghost, 'bad-5')];
    expect(r5.status).toBe(423);
    expect(r5.body).toMatchObject({ error: { code: 'account_locked' } });
    expect({ status: g5.status, body: g5.body }).toEqual({ status: r5.status, body: r5.body });
    // Locked: even the right password is refused, with the same answer a login that does not exist gets.
    const [r6, g6] = [await attempt(real, 'manager-demo-1'), await attempt(ghost, 'anything')];
    expect(r6.status).toBe(423);
    expect({ status: g6.status, body: g6.body }).toEqual({ status: r6.status, body: r6.body });
    b.advance(16 * 60);
    await expect(b.loginAs(real, 'manager-demo-1')).resolves.toBeDefined();
  });

  it('counts the phone spelling of a login as that login', async () => {
    for (let i = 0; i < 5; i++) await attempt('8 (999) 000-00-03', `bad-${i}`);
    expect((await attempt('+7 999 000 00 03', 'viewer-demo-1')).status).toBe(423);
    b.advance(16 * 60);
    expect((await attempt('+79990000003', 'viewer-demo-1')).status).toBe(200);
  });

  it('unlocks the e-mail and the phone of a user whose password an administrator resets', async () => {
    for (const login of ['manager@demo.test', '+79990000002'])
      for (let i = 0; i < 5; i++) await attempt(login, `bad-${i}`);
    expect((await attempt('manager@demo.test', 'manager-demo-1')).status).toBe(423);
    const admin2 = await b.loginAs('admin@demo.test', 'admin-demo-1');
    const reset = await admin2.call('users.resetPassword', {
      params: { id: 'manager@demo.test' },
      body: { showPassword: true },
    });
    for (const login of ['manager@demo.test', '8 999 000-00-02'])
      expect((await attempt(login, reset.oneTimePassword ?? '')).status).toBe(200);
  });

  it('tells a disabled user that the user is disabled only with the right password', async () => {
    expect((await attempt('gone@demo.test', 'wrong')).body).toMatchObject({
      error: { code: 'invalid_credentials' },
    });
    expect(await attempt('gone@demo.test', gonePassword)).toMatchObject({
      status: 401,
      body: { error: { code: 'user_disabled' } },
    });
  });
});

describe('creating a user does not say who holds an e-mail or phone already', () => {
  // The tests above moved the clock past the first session's idle timeout.
  beforeAll(async () => {
    admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  });

  it.each([
    ['e-mail', { name: 'Dup', email: 'VIEWER@demo.test' }],
    ['phone', { name: 'Dup', email: 'dup@demo.test', phone: '+79990000003' }],
  ])('answers a taken %s with 409 and no identity', async (_what, body) => {
    const err = (await rejection(admin.call('users.create', { body }))) as {
      status?: number;
      code?: string;
      message?: string;
      details?: Record<string, unknown>;
    };
    expect(err).toMatchObject({ status: 409, code: 'conflict' });
    const said = JSON.stringify({ message: err.message, details: err.details });
    expect(said).not.toMatch(/viewer|Марина|\+7999/i);
    expect(err.details ?? {}).not.toHaveProperty('user');
  });
});
