import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../support/cli-harness.js';
import { errorStep, stubServer, type Step, type StubServer } from '../support/stub-server.js';

/**
 * vm's side of the retry policy, in-process with the real client against stub servers: --retries and
 * VM_RETRIES, the -v retry lines, the one notice of a long wait on a terminal (and none in a script),
 * the message of a list cut short, and a bulk submission whose answer was lost.
 */

const servers: StubServer[] = [];
let configHome: string;
beforeEach(() => {
  configHome = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-retries-'));
});
afterEach(async () => {
  fs.rmSync(configHome, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function stub(steps: Parameters<typeof stubServer>[0]): Promise<StubServer> {
  const s = await stubServer(steps);
  servers.push(s);
  return s;
}

const vm = (server: StubServer | undefined, argv: string[], env: NodeJS.ProcessEnv = {}) =>
  runCommand(undefined, argv, {
    env: {
      XDG_CONFIG_HOME: configHome,
      VM_TOKEN: 'vmt_x',
      ...(server ? { VM_SERVER: server.url } : {}),
      ...env,
    },
  });

/** `vm` with stderr on a terminal or not (stdout always a pipe). */
function vmWithStderr(terminal: boolean, server: StubServer, argv: string[]) {
  return runCommand(undefined, argv, {
    env: { XDG_CONFIG_HOME: configHome, VM_TOKEN: 'vmt_x', VM_SERVER: server.url },
    stderrIsTTY: terminal,
  });
}

const me: Step = { status: 200, body: { id: 'u_1', email: 'a@b.c', name: 'A', grants: [] } };
const unavailable = errorStep(503, 'unavailable');

describe('how many retries', () => {
  it('makes one attempt with --retries 0', async () => {
    const s = await stub([unavailable]);
    const r = await vm(s, ['whoami', '--retries', '0']);
    expect(r.code).toBe(1);
    expect(s.seen).toHaveLength(1);
  });

  it('takes VM_RETRIES, and --retries over it', async () => {
    const s = await stub([unavailable]);
    expect((await vm(s, ['whoami'], { VM_RETRIES: '2' })).code).toBe(1);
    expect(s.seen).toHaveLength(3);
    s.seen.length = 0;
    expect((await vm(s, ['whoami', '--retries', '1'], { VM_RETRIES: '5' })).code).toBe(1);
    expect(s.seen).toHaveLength(2);
  });

  it.each([
    [['--retries', '-1'], {}, '--retries: "-1"'],
    [['--retries', 'abc'], {}, '--retries: "abc"'],
    [['--retries', '1.5'], {}, '--retries: "1.5"'],
    [['--retries', ''], {}, '--retries: ""'],
    [[], { VM_RETRIES: 'many' }, 'VM_RETRIES: "many"'],
  ])('refuses %j %j as a usage error before sending anything: exit 2', async (argv, env, said) => {
    const s = await stub([me]);
    const r = await vm(s, ['whoami', ...argv], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`vm: ${said} is not a number of retries (a whole number, 0 or more).\n`);
    expect(s.seen).toEqual([]);
  });

  it('says it in Russian too', async () => {
    const r = await vm(undefined, ['whoami', '--retries', 'abc', '--lang', 'ru']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('vm: --retries: «abc» — не число повторов (целое, 0 или больше).\n');
  });

  it('shows --retries and its default in vm --help, and the policy in vm help environment', async () => {
    const help = await vm(undefined, ['--help']);
    expect(help.stdout).toMatch(/--retries <n>[^]*default 6/);
    for (const lang of ['en', 'ru']) {
      const env = await vm(undefined, ['help', 'environment', '--lang', lang]);
      expect(env.stdout).toMatch(/VM_RETRIES [^]*?(default|по умолчанию) 6/);
      expect(env.stdout).toContain('20 x 0');
      expect(env.stdout).toContain('RateLimit-Remaining');
      expect(env.stdout).toMatch(/= 12[.,]6 [sс]/);
    }
  });
});

describe('what a person sees', () => {
  it('-v prints each retry with its reason and wait', async () => {
    const s = await stub([unavailable, errorStep(429, 'rate_limited', { 'retry-after': '0' }), me]);
    const r = await vm(s, ['whoami', '-v', '--retries', '2']);
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('> '));
    expect(lines).toEqual([
      expect.stringMatching(/^> GET \/v1\/me -> 503 unavailable \[r503\], retry 1\/2 in \d+ ms$/),
      '> GET /v1/me -> 429 rate_limited [r429], retry 2/2 in 0 ms',
      expect.stringMatching(/^> GET \/v1\/me -> 200 \[cli_[0-9a-f]+\]$/),
    ]);
  });

  it('tells a terminal once that vm waits 2 s for the backend, and a script never', async () => {
    // Two waits of 2 s: the first is told, the second is not. Both runs wait at the same time.
    const steps = () => [
      errorStep(429, 'rate_limited', { 'retry-after': '2' }),
      errorStep(503, 'unavailable', { 'retry-after': '2' }),
      me,
    ];
    const [terminal, script] = await Promise.all([
      stub(steps()).then((s) => vmWithStderr(true, s, ['whoami', '--json'])),
      stub(steps()).then((s) => vmWithStderr(false, s, ['whoami', '--json'])),
    ]);
    expect(terminal.code).toBe(0);
    expect(terminal.stderr.match(/Rate limited by the backend, waiting 2 s…/g)).toHaveLength(1);
    expect(terminal.stderr).not.toMatch(/unavailable for now/);
    expect(script.code).toBe(0);
    expect(script.stderr).toBe('');
  }, 15_000);

  it('says a list it printed part of is incomplete, and where it stopped: exit 1', async () => {
    const line = (msisdn: string) => ({
      msisdn,
      accountId: 'a_1',
      region: 'MOW',
      groupId: 'g_1',
      groupPath: 'Sales',
      employee: 'E',
      tariff: 'SMART',
      services: [],
      status: 'active',
      blockReason: null,
      iccid: '8970100000000000001',
      monthlyFee: 49000,
      activatedAt: '2026-01-01T00:00:00.000Z',
    });
    const s = await stub((req) =>
      req.url.includes('cursor=')
        ? unavailable
        : { status: 200, body: { data: [line('+79160000001'), line('+79160000002')], nextCursor: 'c1' } },
    );
    const r = await vm(s, ['numbers', 'list', '--retries', '1', '--fields', 'msisdn']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('msisdn\n+79160000001\n+79160000002\n');
    expect(r.stderr).toBe(
      'vm: The list is incomplete: it stopped at page 2, after 2 rows. The backend failed: unavailable (stub) (request id: r503)\n',
    );
    expect(s.seen.map((x) => new URL(x.url, s.url).searchParams.get('cursor'))).toEqual([null, 'c1', 'c1']);
  });
});

describe('a bulk change whose answer was lost', () => {
  it('is sent again with the same key and reported once, as submitted', async () => {
    // The connection drops after the backend got the first request; the backend replays the second by key.
    const s = await stub((req, n) =>
      n === 0
        ? 'reset'
        : { status: 202, body: { id: 'op_1', state: 'queued', total: 1, replayed: true, key: req.key } },
    );
    const r = await vm(s, ['block', '+79161234567', '--reason', 'lost', '--yes', '--no-wait']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('op_1\n');
    expect(r.stderr).toBe('Operation op_1 submitted: 1 targets.\nNot waiting. Follow it: vm ops wait op_1\n');
    expect(s.seen).toHaveLength(2);
    expect(s.seen.map((x) => `${x.method} ${x.url}`)).toEqual(['POST /v1/operations', 'POST /v1/operations']);
    expect(s.seen[0]?.key).toBeTruthy();
    expect(s.seen[1]?.key).toBe(s.seen[0]?.key);
  });

  it('still says "already submitted" when the key is the caller\'s: an earlier run made it', async () => {
    const s = await stub([{ status: 202, body: { id: 'op_1', state: 'queued', total: 1, replayed: true } }]);
    const r = await vm(s, [
      'block',
      '+79161234567',
      '--reason',
      'lost',
      '--yes',
      '--no-wait',
      '--idempotency-key',
      'nightly-42',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Operation op_1 was already submitted with this idempotency key/);
    expect(s.seen.map((x) => x.key)).toEqual(['nightly-42']);
  });
});
