import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import type { Line } from '../../src/api/lines.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { demo, loginAs, makeConfigHome, parseJson, removeTempDirs, runVm } from '../support/run-vm.js';

/**
 * vm detail against a real backend: what the CLI writes is exactly what the backend stored (count and
 * cost), in every format, Cyrillic intact for Excel, files written atomically, and the background
 * detail request path for --all.
 */
describe('call details (vm detail)', () => {
  let backend: BackendProcess;
  let config: string;
  let number: Line;
  let work: string;
  const vm = (...args: string[]) => runVm(args, { server: backend.url, configHome: config });

  /** The backend's own rows of a number over October 2026, read from its database. */
  const stored = (msisdn: string) => {
    const db = new Database(path.join(backend.dataDir, 'vm-backend.sqlite'), { readonly: true });
    try {
      return db
        .prepare(
          `SELECT count(*) AS n, coalesce(sum(cost), 0) AS cost FROM cdr
            WHERE msisdn = ? AND started_at >= '2026-10-01' AND started_at < '2026-11-01'`,
        )
        .get(msisdn) as { n: number; cost: number };
    } finally {
      db.close();
    }
  };
  const kopecks = (money: string) => Math.round(Number(money.replace(',', '.')) * 100);

  beforeAll(async () => {
    backend = await startBackendProcess({ clock: '2026-11-20T10:00:00Z', testMode: true, lines: 80 });
    config = makeConfigHome();
    await loginAs(backend.url, config, demo.admin.email, demo.admin.password);
    const lines = parseJson<Line[]>((await vm('numbers', 'list', '--json')).stdout);
    number = lines.find(
      (l) => l.status === 'active' && l.tariff !== 'DATA_ONLY' && l.tariff !== 'DATA_PRO',
    ) as Line;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-detail-'));
  });
  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('writes CSV for one number and one month that equals the backend rows, count and cost', async () => {
    const r = await vm('detail', number.msisdn, '--period', '2026-10', '--csv');
    expect(r.code).toBe(0);
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[];
    const db = stored(number.msisdn);
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.length).toBe(db.n);
    expect(rows.reduce((s, row) => s + kopecks(row.cost as string), 0)).toBe(db.cost);
    expect(Object.keys(rows[0] as object)).toEqual([
      'number',
      'time',
      'kind',
      'direction',
      'peer',
      'peerName',
      'location',
      'seconds',
      'bytes',
      'cost',
    ]);
    expect(new Set(rows.map((row) => row.number))).toEqual(new Set([number.msisdn]));
    expect(rows.every((row) => row.time?.startsWith('2026-10-'))).toBe(true);
    const times = rows.map((row) => row.time as string);
    expect([...times].sort()).toEqual(times);
  });

  it('is the same every time (generated deterministically, stored once)', async () => {
    const a = await vm('detail', number.msisdn, '--period', '2026-10', '--csv');
    const b = await vm('detail', number.msisdn, '--from', '2026-10-01', '--to', '2026-10-31', '--csv');
    expect(b.stdout).toBe(a.stdout);
  });

  it('keeps Cyrillic peer names intact for Russian Excel (BOM, semicolons, decimal comma, CRLF)', async () => {
    const file = path.join(work, 'excel.csv');
    const r = await vm('detail', number.msisdn, '--period', '2026-10', '--excel', '--output', file);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Wrote \d+ records/);
    const bytes = fs.readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text.split('\r\n')[0]).toBe(
      '\uFEFFnumber;time;kind;direction;peer;peerName;location;seconds;bytes;cost',
    );
    const rows = parse(text, { columns: true, delimiter: ';', bom: true }) as Record<string, string>[];
    expect(rows.length).toBe(stored(number.msisdn).n);
    const names = new Set(rows.map((row) => row.peerName).filter(Boolean));
    expect([...names].some((n) => /[А-Яа-яЁё]/.test(n as string))).toBe(true);
    expect([...names].every((n) => !(n as string).includes('\uFFFD'))).toBe(true);
    // The backend's own spelling of each name, byte for byte.
    const db = new Database(path.join(backend.dataDir, 'vm-backend.sqlite'), { readonly: true });
    const dbNames = new Set(
      (
        db
          .prepare('SELECT DISTINCT peer_name AS n FROM cdr WHERE msisdn = ? AND peer_name IS NOT NULL')
          .all(number.msisdn) as {
          n: string;
        }[]
      ).map((r) => r.n),
    );
    db.close();
    expect(names).toEqual(dbNames);
    expect(rows.every((row) => /^\d+,\d{2}$/.test(row.cost as string))).toBe(true);
    expect(fs.readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('prints JSON lines that each parse, and a JSON array', async () => {
    const jsonl = await vm('detail', number.msisdn, '--period', '2026-10', '--jsonl');
    expect(jsonl.code).toBe(0);
    const lines = jsonl.stdout.trimEnd().split('\n');
    const records = lines.map((l) => JSON.parse(l) as { number: string; cost: number; kind: string });
    const db = stored(number.msisdn);
    expect(records.length).toBe(db.n);
    expect(records.reduce((s, r) => s + r.cost, 0)).toBe(db.cost);
    expect(records.every((r) => ['call', 'sms', 'data', 'roaming'].includes(r.kind))).toBe(true);
    const json = parseJson<unknown[]>(
      (await vm('detail', number.msisdn, '--period', '2026-10', '--json')).stdout,
    );
    expect(json).toEqual(records);
  });

  it('makes the same JSON array as the JSON lines for a whole group, Cyrillic intact across chunks', async () => {
    const jsonl = await vm('detail', '--group', 'hq', '--period', '2026-10', '--jsonl');
    const lines = jsonl.stdout.trimEnd().split('\n');
    expect(jsonl.stdout.length).toBeGreaterThan(256 * 1024); // many network chunks
    const json = await vm('detail', '--group', 'hq', '--period', '2026-10', '--json');
    expect(json.code).toBe(0);
    expect(json.stdout).not.toContain('\uFFFD');
    expect(parseJson<unknown[]>(json.stdout)).toEqual(lines.map((l) => JSON.parse(l) as unknown));
  });

  it('chooses fields, and refuses unknown ones with exit 2 before asking the backend', async () => {
    const r = await vm('detail', number.msisdn, '--period', '2026-10', '--csv', '--fields', 'time,cost');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('time,cost');
    const bad = await vm('detail', number.msisdn, '--period', '2026-10', '--fields', 'time,price');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/price/);
    expect(bad.stdout).toBe('');
  });

  it('validates the numbers file completely first: file, line and value, nothing fetched', async () => {
    const file = path.join(work, 'numbers.csv');
    fs.writeFileSync(file, `number\n${number.msisdn}\n8916123\n`);
    const r = await vm('detail', '--file', file, '--period', '2026-10', '--csv');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:3`);
    expect(r.stderr).toContain('8916123');
    expect(r.stdout).toBe('');
  });

  it('refuses bad periods and target mixes with exit 2', async () => {
    for (const args of [
      ['--period', '2026-13'],
      ['--from', '2026-10-31', '--to', '2026-10-01'],
      ['--period', '2026-10', '--from', '2026-10-01'],
      ['--from', 'yesterday'],
    ]) {
      const r = await vm('detail', number.msisdn, ...args);
      expect([args, r.code]).toEqual([args, 2]);
    }
    expect((await vm('detail', '--period', '2026-10')).code).toBe(2);
    expect((await vm('detail', number.msisdn, '--all', '--period', '2026-10')).code).toBe(2);
    const ru = await vm('detail', number.msisdn, '--period', 'октябрь', '--lang', 'ru');
    expect(ru.code).toBe(2);
    expect(ru.stderr).toMatch(/не месяц/);
  });

  it('refuses an --output it cannot write before asking the backend (exit 2)', async () => {
    const missing = await vm(
      'detail',
      number.msisdn,
      '--period',
      '2026-10',
      '--output',
      path.join(work, 'no', 'f.csv'),
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist or is not writable');
    const dir = await vm('detail', number.msisdn, '--period', '2026-10', '--output', work);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain('is a directory');
    const audit = parseJson<{ action: string }[]>(
      (await vm('audit', '--action', 'cdr.query', '--json')).stdout,
    );
    const before = audit.length;
    await vm('detail', number.msisdn, '--period', '2026-10', '--output', path.join(work, 'no', 'f.csv'));
    const after = parseJson<unknown[]>((await vm('audit', '--action', 'cdr.query', '--json')).stdout).length;
    expect(after).toBe(before);
  });

  it('says which number is unknown', async () => {
    const r = await vm('detail', '+79990009999', '--period', '2026-10');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('+79990009999');
  });

  it('streams a whole group, each number in order', async () => {
    const r = await vm('detail', '--group', 'drivers', '--period', '2026-10', '-o', 'tsv');
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'));
    expect(rows.length).toBeGreaterThan(0);
    const numbers = rows.map((row) => row[0] as string);
    expect([...numbers].sort()).toEqual(numbers);
  });

  it('runs --all as a background detail request: --no-wait prints its id, vm detail get downloads it', async () => {
    const submitted = await vm('detail', '--all', '--period', '2026-10', '--no-wait');
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^dr_[0-9a-f]{16}$/);
    expect(submitted.stderr).toContain(`vm detail get ${id}`);
    const file = path.join(work, 'all.csv');
    const got = await vm('detail', 'get', id, '--output', file);
    expect(got.code).toBe(0);
    const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
    const db = new Database(path.join(backend.dataDir, 'vm-backend.sqlite'), { readonly: true });
    const all = db
      .prepare(
        "SELECT count(*) AS n, sum(cost) AS cost FROM cdr WHERE started_at >= '2026-10-01' AND started_at < '2026-11-01'",
      )
      .get() as { n: number; cost: number };
    db.close();
    expect(rows.length).toBe(all.n);
    expect(rows.reduce((s, row) => s + kopecks(row.cost as string), 0)).toBe(all.cost);
    const state = parseJson<{ state: string; records: number; total: number }>(
      (await vm('detail', 'get', id, '--no-wait', '--json')).stdout,
    );
    expect(state).toMatchObject({ state: 'done', records: all.n, total: 80 });
    const list = parseJson<{ id: string }[]>((await vm('detail', 'requests', '--json')).stdout);
    expect(list.map((r) => r.id)).toContain(id);
  });

  it('waits for --all and writes the file by its extension', async () => {
    const file = path.join(work, 'all.jsonl');
    const r = await vm('detail', '--all', '--from', '2026-10-01', '--to', '2026-10-03', '--output', file);
    expect(r.code).toBe(0);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(80);
    for (const l of lines) expect(() => JSON.parse(l) as unknown).not.toThrow();
  });

  /**
   * Stops `child` by `signal` once a temp file in `dir` holds a megabyte (a download well under way):
   * SIGSTOP first, so the signal lands mid-download however fast the rest would go. Resolves with the
   * temp file's size then, or 0 when vm ended first.
   */
  const stopMidway = (child: ChildProcess, dir: string, signal: NodeJS.Signals) =>
    new Promise<number>((resolve) => {
      const poll = setInterval(() => {
        const temp = fs.readdirSync(dir).find((f) => f.endsWith('.tmp'));
        const size = temp ? (fs.statSync(path.join(dir, temp), { throwIfNoEntry: false })?.size ?? 0) : 0;
        if (size < 1 << 20) return;
        clearInterval(poll);
        child.kill('SIGSTOP');
        child.kill(signal);
        child.kill('SIGCONT');
        resolve(size);
      }, 2);
      child.once('exit', () => {
        clearInterval(poll);
        resolve(0);
      });
    });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    'leaves no temp file when %s stops the download of --all, exits %i and says how to get it later',
    async (signal, code) => {
      const dir = fs.mkdtempSync(path.join(work, 'interrupted-'));
      const file = path.join(dir, 'big.csv');
      let midway = Promise.resolve(0);
      const r = await runVm(
        ['detail', '--all', '--from', '2026-05-01', '--to', '2026-10-31', '--output', file],
        {
          server: backend.url,
          configHome: config,
          onSpawn: (child) => (midway = stopMidway(child, dir, signal)),
        },
      );
      expect(await midway).toBeGreaterThanOrEqual(1 << 20);
      expect(r.code).toBe(code);
      expect(fs.readdirSync(dir)).toEqual([]);
      const id = r.stdout.trim();
      expect(id).toMatch(/^dr_[0-9a-f]{16}$/);
      expect(r.stderr).toContain(`${file} was not written`);
      expect(r.stderr).toContain(`vm detail get ${id} --output ${file}`);
      const later = await vm('detail', 'get', id, '--output', file);
      expect(later.code).toBe(0);
      expect(fs.readdirSync(dir)).toEqual(['big.csv']);
    },
  );

  it('keeps call details to people who may read them', async () => {
    const managerConfig = makeConfigHome();
    await loginAs(backend.url, managerConfig, demo.manager.email, demo.manager.password);
    const r = await runVm(['detail', number.msisdn, '--period', '2026-10'], {
      server: backend.url,
      configHome: managerConfig,
    });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
  });
});
