import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Event } from '../../src/api/events.js';
import type { Line } from '../../src/api/lines.js';
import { spawnVm, startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { adminVm, createToken, expectExit, moveClock, vmFor, vmJson, type Vm } from '../support/bulk.js';
import { demo, loginAs, makeConfigHome, removeTempDirs } from '../support/run-vm.js';

const START = '2026-11-02T10:00:00Z';

/** A running `vm events follow`: what it printed so far, and a wait for a condition on it. */
interface Follow {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  until(what: string, ok: (stdout: string) => boolean, ms?: number): Promise<void>;
  /** Resolves once the stream is open (-v says so on stderr). */
  connected(): Promise<void>;
  exited: Promise<number | null>;
}

function follow(server: string, configHome: string, token: string | undefined, args: string[]): Follow {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^VM_|^NODE_OPTIONS$/.test(k)) env[k] = v;
  Object.assign(env, { CI: 'true', LANG: 'C.UTF-8', XDG_CONFIG_HOME: configHome, VM_SERVER: server });
  if (token) env.VM_TOKEN = token;
  const child = spawnVm(['events', 'follow', '-v', ...args], undefined, env);
  child.stdin.end();
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    connected() {
      return this.until('open stream', () => /GET \/v1\/events\/stream\S* -> 200/.test(err));
    },
    async until(what, ok, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!ok(out)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`follow: no ${what} (exit ${child.exitCode})\nstdout:\n${out}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

const jsonLines = (text: string): Event[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Event);

describe('vm events', () => {
  let backend: BackendProcess;
  let admin: Vm;
  let adminToken: string;
  let managerHome: string;
  let manager: Vm;
  let sales: Line[];
  let others: Line[];

  beforeAll(async () => {
    backend = await startBackendProcess({ clock: START, testMode: true });
    adminToken = await createToken(await adminVm(backend), 'events-e2e');
    admin = vmFor(backend.url, makeConfigHome(), adminToken);
    managerHome = makeConfigHome();
    await loginAs(backend.url, managerHome, demo.manager.email, demo.manager.password);
    manager = vmFor(backend.url, managerHome);
    sales = await vmJson<Line[]>(manager, 'numbers', 'list', '--status', 'active');
    const salesSet = new Set(sales.map((l) => l.msisdn));
    others = (await vmJson<Line[]>(admin, 'numbers', 'list', '--status', 'active')).filter(
      (l) => !salesSet.has(l.msisdn),
    );
  }, 60_000);

  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
  });

  it('lists the catalog of types, in Russian too', async () => {
    const en = expectExit(await admin('events', 'types'), 0);
    expect(en.stdout).toMatch(/^operation\.finished\t/m);
    expect(en.stderr).toMatch(/Events are kept 30 days/);
    const ru = expectExit(await admin('events', 'types', '--lang', 'ru'), 0);
    expect(ru.stdout).toMatch(/line\.blocked\tnumber\tНомер заблокирован/);
  });

  it('lists what a block did, and a Sales manager sees only Sales numbers', async () => {
    expectExit(await admin('block', sales[0]!.msisdn, others[0]!.msisdn, '--reason', 'lost', '--yes'), 0);
    const all = await vmJson<Event[]>(admin, 'events', 'list', '--type', 'line.blocked');
    expect(all.map((e) => e.subject)).toEqual([sales[0]!.msisdn, others[0]!.msisdn]);
    const tsv = expectExit(await admin('events', 'list', '--number', others[0]!.msisdn), 0).stdout;
    expect(tsv.split('\n')[0]).toBe('id\ttime\ttype\tsubject\tgroupId\tsummary\tsubjectType\tdata');
    expect(tsv).toMatch(/\tline\.status_changed\t.*\tactive → blocked\t/);
    const seen = await vmJson<Event[]>(manager, 'events', 'list');
    expect(seen.some((e) => e.subject === sales[0]!.msisdn)).toBe(true);
    expect(seen.some((e) => e.subject === others[0]!.msisdn)).toBe(false);
    const bad = await admin('events', 'list', '--type', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/nope/);
  });

  it("shows a number's history: the block, by whom, through which operation", async () => {
    const rows = await vmJson<
      { change: string; from: string; to: string; by: string; operationId: string }[]
    >(admin, 'numbers', 'history', sales[0]!.msisdn);
    expect(rows.map((r) => r.change)).toEqual(['line.blocked', 'line.status_changed']);
    expect(rows[1]).toMatchObject({
      from: 'active',
      to: 'blocked',
      by: `${demo.admin.email} (token events-e2e)`,
    });
    expect(rows[1]!.operationId).toMatch(/^op_/);
    // The manager has events:read but not audit:read: the events alone, without the author.
    const mine = await vmJson<{ change: string; by: string | null }[]>(
      manager,
      'numbers',
      'history',
      sales[0]!.msisdn,
    );
    expect(mine.map((r) => r.change)).toEqual(['line.blocked', 'line.status_changed']);
    expect(mine[0]!.by).toBeNull();
    const outside = await manager('numbers', 'history', others[0]!.msisdn);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/not found/i);
  });

  it('follows: a scheduled block fires and is printed once; the manager never sees an HQ number; Ctrl-C says where to go on', async () => {
    const f = follow(backend.url, makeConfigHome(), adminToken, ['--type', 'line.*', '--jsonl']);
    const m = follow(backend.url, managerHome, undefined, ['--jsonl']);
    await f.connected();
    await m.connected();
    const at = '2026-11-02T12:00:00Z';
    expectExit(
      await admin('block', sales[3]!.msisdn, others[3]!.msisdn, '--reason', 'vacation', '--at', at, '--yes'),
      0,
    );
    expect(jsonLines(f.stdout())).toEqual([]);
    await moveClock(backend.url, { now: '2026-11-02T12:00:01Z' });
    await f.until('two blocks', (s) => jsonLines(s).filter((e) => e.type === 'line.blocked').length === 2);
    await m.until('the Sales block', (s) => jsonLines(s).some((e) => e.type === 'line.blocked'));
    // A moment for anything that should not come.
    await new Promise((r) => setTimeout(r, 800));
    const got = jsonLines(f.stdout());
    expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
    expect(got.filter((e) => e.type === 'line.blocked').map((e) => e.subject)).toEqual([
      sales[3]!.msisdn,
      others[3]!.msisdn,
    ]);
    const managerSaw = jsonLines(m.stdout());
    expect(managerSaw.some((e) => e.subject === others[3]!.msisdn)).toBe(false);
    expect(managerSaw.filter((e) => e.type === 'operation.finished')).toEqual([]);
    const last = got.at(-1)!.id;
    f.child.kill('SIGINT');
    m.child.kill('SIGINT');
    expect(await f.exited).toBe(130);
    expect(await m.exited).toBe(130);
    expect(f.stderr()).toContain(`vm events follow --after ${last}`);
  }, 30_000);

  it('resumes after the backend went away, losing and repeating nothing', async () => {
    const dataDir = backend.dataDir;
    const port = new URL(backend.url).port;
    const f = follow(backend.url, makeConfigHome(), adminToken, ['--type', 'line.blocked', '--jsonl']);
    await f.connected();
    expectExit(await admin('block', sales[5]!.msisdn, '--reason', 'lost', '--yes'), 0);
    await f.until('the first block', (s) => jsonLines(s).length === 1);
    await backend.kill();
    backend = await startBackendProcess({
      clock: '2026-11-02T13:00:00Z',
      testMode: true,
      dataDir,
      extraArgs: ['--port', port],
    });
    // Made before the follower is back: it must come after the reconnect, once.
    expectExit(await admin('block', sales[6]!.msisdn, '--reason', 'lost', '--yes'), 0);
    await f.until('the second block', (s) => jsonLines(s).length === 2, 20_000);
    expectExit(await admin('block', sales[7]!.msisdn, '--reason', 'lost', '--yes'), 0);
    await f.until('the third block', (s) => jsonLines(s).length === 3);
    await new Promise((r) => setTimeout(r, 500));
    expect(jsonLines(f.stdout()).map((e) => e.subject)).toEqual([
      sales[5]!.msisdn,
      sales[6]!.msisdn,
      sales[7]!.msisdn,
    ]);
    expect(f.stderr()).toMatch(/reconnecting/);
    f.child.kill('SIGINT');
    expect(await f.exited).toBe(130);
  }, 60_000);

  it('refuses --json for a stream, and --since with --after', async () => {
    const json = await admin('events', 'follow', '--json');
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/--jsonl/);
    const both = await admin('events', 'follow', '--since', '1h', '--after', '5');
    expect(both.code).toBe(2);
    const xlsx = await admin('events', 'follow', '--xlsx', 'events.xlsx');
    expect(xlsx.code).toBe(2);
    expect(xlsx.stderr).toMatch(/vm events list --xlsx/);
  });
});
