import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { CompletionCache, type CompletionValue } from '../../src/cli/completion-cache.js';
import { COMPLETION_TTL_MS } from '../../src/cli/completion-values.js';
import { VmClient } from '../../src/client/client.js';
import { apiError, runCommand, StubClient } from '../support/cli-harness.js';
import { stubServer, type StubServer } from '../support/stub-server.js';

/**
 * `vm __complete KIND [PREFIX]`, what the completion scripts ask at a TAB, and its cache: values the
 * backend knows, kept a short time per server and credential, and silence whenever anything is wrong.
 */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-complete-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const tariffs = [
  { code: 'SMART', name: 'Smart' },
  { code: 'SMART_PLUS', name: 'Smart Plus' },
  { code: 'UNLIM', name: 'Unlimited' },
];

/** The environment of a run with its own config and cache dirs and, unless `token` is null, an API token. */
function env(token: string | null = 'vm_test_token'): NodeJS.ProcessEnv {
  return {
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    ...(token ? { VM_TOKEN: token } : {}),
  };
}

const complete = (stub: StubClient | undefined, args: string[], e: NodeJS.ProcessEnv = env()) =>
  runCommand(stub, ['__complete', ...args], { env: e });

describe('the completion cache', () => {
  const values: CompletionValue[] = [['SMART', 'Smart']];

  it('gives back what it was given while it is fresh, and nothing once it is older than the TTL', () => {
    let now = 1_000_000;
    const cache = new CompletionCache(dir, 'http://127.0.0.1:7080', 'token-a', () => now);
    expect(cache.get('tariffs', 60_000)).toBeUndefined();
    cache.set('tariffs', values);
    now += 59_999;
    expect(cache.get('tariffs', 60_000)).toEqual(values);
    now += 1;
    expect(cache.get('tariffs', 60_000)).toBeUndefined();
  });

  it('keeps each kind with its own time', () => {
    let now = 0;
    const cache = new CompletionCache(dir, 'http://s', 't', () => now);
    cache.set('tariffs', values);
    now = 50_000;
    cache.set('operations', [['op_1', 'number.block']]);
    now = 70_000;
    expect(cache.get('tariffs', 60_000)).toBeUndefined();
    expect(cache.get('operations', 60_000)).toEqual([['op_1', 'number.block']]);
  });

  it('is one per server and credential, and names neither in its file', () => {
    const a = new CompletionCache(dir, 'http://one', 'secret-token-a');
    a.set('groups', [['sales', 'HQ/Sales']]);
    expect(new CompletionCache(dir, 'http://two', 'secret-token-a').get('groups', 60_000)).toBeUndefined();
    expect(new CompletionCache(dir, 'http://one', 'secret-token-b').get('groups', 60_000)).toBeUndefined();
    expect(new CompletionCache(dir, 'http://one', 'secret-token-a').get('groups', 60_000)).toEqual([
      ['sales', 'HQ/Sales'],
    ]);
    const files = fs.readdirSync(path.join(dir, 'completion'));
    expect(files).toHaveLength(1);
    const file = path.join(dir, 'completion', files[0] as string);
    expect(fs.readFileSync(file, 'utf8')).not.toMatch(/secret|http:/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'completion')).mode & 0o777).toBe(0o700);
  });

  it('reads a damaged file as empty and writes over it', () => {
    const cache = new CompletionCache(dir, 'http://s', 't');
    cache.set('tariffs', values);
    const [file] = fs.readdirSync(path.join(dir, 'completion'));
    fs.writeFileSync(path.join(dir, 'completion', file as string), '{"tariffs": {"at": 1, "values": 5}');
    expect(cache.get('tariffs', Infinity)).toBeUndefined();
    cache.set('tariffs', values);
    expect(cache.get('tariffs', 60_000)).toEqual(values);
  });

  it('says nothing when it cannot write (a file where its directory should be)', () => {
    fs.writeFileSync(path.join(dir, 'completion'), 'not a directory');
    const cache = new CompletionCache(dir, 'http://s', 't');
    expect(() => cache.set('tariffs', values)).not.toThrow();
    expect(cache.get('tariffs', 60_000)).toBeUndefined();
  });

  it('forgets everything when cleared, and removes the files of other credentials a day old', () => {
    const cache = new CompletionCache(dir, 'http://s', 't');
    cache.set('tariffs', values);
    cache.clear();
    expect(cache.get('tariffs', Infinity)).toBeUndefined();
    // two logins ago and one login ago, both last written more than a day ago
    new CompletionCache(dir, 'http://s', 'old-login').set('groups', [['sales', 'HQ/Sales']]);
    new CompletionCache(dir, 'http://s', 'older-login').set('groups', [['sales', 'HQ/Sales']]);
    const completionDir = path.join(dir, 'completion');
    const dayAgo = new Date(Date.now() - 25 * 60 * 60 * 1000);
    for (const name of fs.readdirSync(completionDir))
      fs.utimesSync(path.join(completionDir, name), dayAgo, dayAgo);
    cache.set('tariffs', values);
    expect(fs.readdirSync(completionDir)).toHaveLength(1);
    expect(cache.get('tariffs', 60_000)).toEqual(values);
  });

  it('keeps operations a minute and the catalogs longer', () => {
    expect(COMPLETION_TTL_MS.operations).toBe(60_000);
    expect(COMPLETION_TTL_MS.tariffs).toBeGreaterThan(COMPLETION_TTL_MS.operations);
    expect(COMPLETION_TTL_MS.services).toBeGreaterThan(COMPLETION_TTL_MS.operations);
  });
});

describe('vm __complete', () => {
  it('prints the tariff codes with their names, one a line, those starting with the prefix', async () => {
    const stub = new StubClient().on('tariffs.list', { data: tariffs, nextCursor: null });
    const all = await complete(stub, ['tariffs']);
    expect(all).toEqual({
      code: 0,
      stdout: 'SMART\tSmart\nSMART_PLUS\tSmart Plus\nUNLIM\tUnlimited\n',
      stderr: '',
    });
    const some = await complete(stub, ['tariffs', 'SMART_']);
    expect(some).toEqual({ code: 0, stdout: 'SMART_PLUS\tSmart Plus\n', stderr: '' });
  });

  it('asks the backend once and answers from the cache after that', async () => {
    const stub = new StubClient().on('tariffs.list', { data: tariffs, nextCursor: null });
    await complete(stub, ['tariffs']);
    const again = await complete(new StubClient(), ['tariffs', 'U']);
    expect(again).toEqual({ code: 0, stdout: 'UNLIM\tUnlimited\n', stderr: '' });
    expect(stub.callsTo('tariffs.list')).toHaveLength(1);
    // another credential is another cache
    const other = new StubClient().on('tariffs.list', { data: [], nextCursor: null });
    expect((await complete(other, ['tariffs'], env('vm_other_token'))).stdout).toBe('');
    expect(other.callsTo('tariffs.list')).toHaveLength(1);
  });

  it('prints group ids with their paths, service codes, and the newest operations', async () => {
    const stub = new StubClient()
      .on('groups.list', {
        data: [
          { id: 'hq', name: 'HQ', parentId: null, path: 'HQ', numbers: 1 },
          { id: 'sales', name: 'Sales', parentId: 'hq', path: 'HQ/Sales', numbers: 4 },
        ],
        nextCursor: null,
      })
      .on('services.list', { data: [{ code: 'VPN_APN', name: 'Corporate VPN' }], nextCursor: null })
      .on('operations.list', {
        data: [
          {
            id: 'op_2',
            type: 'number.block',
            state: 'running',
            createdAt: '2026-11-02T09:30:00.000Z',
          },
          { id: 'op_1', type: 'tariff.change', state: 'succeeded', createdAt: '2026-11-01T08:00:00.000Z' },
        ],
        nextCursor: 'c',
      });
    expect((await complete(stub, ['groups'])).stdout).toBe('hq\tHQ\nsales\tHQ/Sales\n');
    expect((await complete(stub, ['services'])).stdout).toBe('VPN_APN\tCorporate VPN\n');
    expect((await complete(stub, ['operations'])).stdout).toBe(
      'op_2\tnumber.block running 2026-11-02 09:30\nop_1\ttariff.change succeeded 2026-11-01 08:00\n',
    );
    // one page of the newest operations: a completion has no time for more
    expect(stub.callsTo('operations.list')).toEqual([{ route: 'operations.list', query: { limit: 20 } }]);
  });

  it('leaves out values a shell could not take as one word, and escapes control characters', async () => {
    const stub = new StubClient().on('groups.list', {
      data: [
        { id: 'a b', path: 'spaced' },
        { id: 'x$(rm)', path: 'dollar' },
        { id: 'ok', path: 'HQ/\u001b[31mRed\nline' },
      ],
      nextCursor: null,
    });
    expect((await complete(stub, ['groups'])).stdout).toBe('ok\tHQ/\\u001b[31mRed\\nline\n');
  });

  it('is silent, exit 0, and asks nothing when not logged in', async () => {
    const stub = new StubClient();
    expect(await complete(stub, ['tariffs'], env(null))).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(stub.calls).toEqual([]);
  });

  it('is silent, exit 0, on an error answer, an unknown kind or an unreadable config', async () => {
    const expired = new StubClient().on('tariffs.list', apiError('session_expired', 'Session expired'));
    expect(await complete(expired, ['tariffs'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await complete(new StubClient(), ['numbers'])).toEqual({ code: 0, stdout: '', stderr: '' });
    fs.mkdirSync(path.join(dir, 'config', 'vm'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'config', 'vm', 'config.json'), '{not json');
    expect(await complete(new StubClient(), ['groups'], env(null))).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
  });

  it('is not listed in vm --help', async () => {
    const r = await runCommand(new StubClient(), ['--help']);
    expect(r.stdout).toContain('completion');
    expect(r.stdout).not.toContain('__complete');
  });

  describe('against a real HTTP server', () => {
    let server: StubServer | undefined;
    afterEach(async () => server?.close());

    const real = (url: string, extra: NodeJS.ProcessEnv = {}) =>
      runCommand(undefined, ['__complete', 'tariffs'], { env: { ...env(), VM_SERVER: url, ...extra } });

    it('tries once, whatever VM_RETRIES says, and waits for no Retry-After', async () => {
      server = await stubServer([
        {
          status: 503,
          headers: { 'retry-after': '2' },
          body: { error: { code: 'unavailable', message: 'x' } },
        },
      ]);
      const started = Date.now();
      const r = await real(server.url, { VM_RETRIES: '6', VM_MAX_RETRY_WAIT: '60' });
      expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(server.seen).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('gives up silently after a second when the backend does not answer', async () => {
      server = await stubServer(['hang']);
      const started = Date.now();
      const r = await real(server.url, { VM_TIMEOUT: '30', VM_DEBUG: '1' });
      expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('knows whether a request that may change something succeeded (a change forgets the cache)', async () => {
      server = await stubServer([{ status: 200, body: { data: [], nextCursor: null } }]);
      const client = new VmClient({ server: server.url, userAgent: 'test', retries: 0 });
      await client.call('tariffs.list');
      await client.call('operations.create', { query: { dryRun: true }, body: {} as never });
      await client.call('reports.run', { params: { type: 'usage' }, body: {} as never });
      expect(client.madeChanges).toBe(false);
      await client.call('operations.create', { body: {} as never, idempotencyKey: 'k' });
      expect(client.madeChanges).toBe(true);
      await client.close();
    });

    it('is silent when nothing listens at the address', async () => {
      const closed = await stubServer([]);
      await closed.close();
      expect(await real(closed.url)).toEqual({ code: 0, stdout: '', stderr: '' });
    });
  });
});
