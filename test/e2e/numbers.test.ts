import { parse } from 'csv-parse/sync';
import type { Account, Group, Line, LineDetail, Service, Tariff } from '../../src/api/lines.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import {
  demo,
  loginAs,
  makeConfigHome,
  parseJson,
  removeTempDirs,
  runVm,
  type RunVmResult,
} from '../support/run-vm.js';

const ANSI = '\x1b[';

describe('vm numbers and the catalogs', () => {
  let backend: BackendProcess;
  let configHome: string;
  let all: Line[];
  const vm = (...args: string[]): Promise<RunVmResult> => runVm(args, { server: backend.url, configHome });

  /** Runs a list command with --json and returns its rows, expecting exit 0. */
  async function jsonRows<T>(...args: string[]): Promise<T[]> {
    const r = await vm(...args, '--json');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    return parseJson<T[]>(r.stdout);
  }

  const msisdns = (lines: Line[]) => lines.map((l) => l.msisdn).sort();
  /** 8 (916) 123-45-67 for +79161234567. */
  const russianSpelling = (msisdn: string) =>
    `8 (${msisdn.slice(2, 5)}) ${msisdn.slice(5, 8)}-${msisdn.slice(8, 10)}-${msisdn.slice(10)}`;

  beforeAll(async () => {
    backend = await startBackendProcess();
    configHome = makeConfigHome();
    await loginAs(backend.url, configHome, demo.admin.email, demo.admin.password);
    const r = await vm('numbers', 'list', '--json');
    expect(r.code).toBe(0);
    all = parseJson<Line[]>(r.stdout);
  });

  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
  });

  describe('numbers list', () => {
    it('returns all 250 demo lines as JSON, each number once', () => {
      expect(all).toHaveLength(demo.lines);
      expect(new Set(all.map((l) => l.msisdn)).size).toBe(demo.lines);
      for (const l of all) expect(l.msisdn).toMatch(/^\+7\d{10}$/);
    });

    it('prints TSV with a header line and no colour when piped', async () => {
      const r = await vm('numbers', 'list');
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(ANSI);
      expect(r.stderr).not.toContain(ANSI);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^msisdn\t/);
      expect(lines).toHaveLength(demo.lines + 1);
      const width = lines[0]?.split('\t').length;
      for (const line of lines) expect(line.split('\t')).toHaveLength(width as number);
      expect(
        lines
          .slice(1)
          .map((l) => l.split('\t')[0])
          .sort(),
      ).toEqual(msisdns(all));
    });

    it('keeps the API field names in machine output when messages are in Russian', async () => {
      const r = await vm('numbers', 'list', '--lang', 'ru', '--limit', '1');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')[0]).toMatch(/^msisdn\temployee\t/);
    });

    it('prints one JSON object per line with --jsonl', async () => {
      const r = await vm('numbers', 'list', '--jsonl');
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(demo.lines);
      const rows = lines.map((l) => parseJson<Line>(l));
      expect(rows.map((l) => l.msisdn).sort()).toEqual(msisdns(all));
    });

    it('prints RFC 4180 CSV with --csv', async () => {
      const r = await vm('numbers', 'list', '--csv');
      expect(r.code).toBe(0);
      const records = parse(r.stdout, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
      expect(records).toHaveLength(demo.lines);
      expect(records.map((rec) => rec.msisdn).sort()).toEqual(msisdns(all));
      const first = all[0] as Line;
      const same = records.find((rec) => rec.msisdn === first.msisdn);
      expect(same).toMatchObject({
        employee: first.employee,
        tariff: first.tariff,
        groupPath: first.groupPath,
      });
    });

    it('prints exactly the columns named in --fields', async () => {
      const tsv = await vm('numbers', 'list', '--fields', 'msisdn,tariff');
      expect(tsv.code).toBe(0);
      const lines = tsv.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe('msisdn\ttariff');
      expect(lines).toHaveLength(demo.lines + 1);
      const json = await jsonRows<Record<string, unknown>>('numbers', 'list', '--fields', 'msisdn,tariff');
      for (const row of json) expect(Object.keys(row)).toEqual(['msisdn', 'tariff']);
    });

    it('refuses an unknown field with exit 2 and names the valid ones', async () => {
      const r = await vm('numbers', 'list', '--fields', 'msisdn,colour');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('colour');
      expect(r.stderr).toContain('msisdn');
      expect(r.stderr).toContain('tariff');
    });

    it('narrows to the Sales subtree with --group sales', async () => {
      const rows = await jsonRows<Line>('numbers', 'list', '--group', 'sales');
      expect(rows.length).toBeGreaterThan(0);
      for (const l of rows) expect(l.groupPath).toMatch(/^HQ\/Sales(\/|$)/);
      const expected = all.filter((l) => (demo.salesGroups as readonly string[]).includes(l.groupId));
      expect(msisdns(rows)).toEqual(msisdns(expected));
    });

    it('narrows by --status blocked', async () => {
      const rows = await jsonRows<Line>('numbers', 'list', '--status', 'blocked');
      const expected = all.filter((l) => l.status === 'blocked');
      expect(expected.length).toBeGreaterThan(0);
      expect(msisdns(rows)).toEqual(msisdns(expected));
    });

    it('narrows by --region', async () => {
      const region = (all.find((l) => l.region !== 'MOW') ?? (all[0] as Line)).region;
      const rows = await jsonRows<Line>('numbers', 'list', '--region', region);
      const expected = all.filter((l) => l.region === region);
      expect(expected.length).toBeLessThan(all.length);
      expect(msisdns(rows)).toEqual(msisdns(expected));
    });

    it('narrows by --account', async () => {
      const rows = await jsonRows<Line>('numbers', 'list', '--account', '4001002');
      const expected = all.filter((l) => l.accountId === '4001002');
      expect(expected.length).toBeGreaterThan(0);
      expect(msisdns(rows)).toEqual(msisdns(expected));
    });

    it('narrows by --tariff', async () => {
      const rows = await jsonRows<Line>('numbers', 'list', '--tariff', 'SMART');
      const expected = all.filter((l) => l.tariff === 'SMART');
      expect(expected.length).toBeGreaterThan(0);
      expect(msisdns(rows)).toEqual(msisdns(expected));
    });

    it('finds numbers by part of the employee name with --search', async () => {
      const surname = ((all[0] as Line).employee.split(' ')[0] as string).slice(0, 5);
      const rows = await jsonRows<Line>('numbers', 'list', '--search', surname);
      const needle = surname.toLowerCase();
      const expected = all.filter(
        (l) => l.employee.toLowerCase().includes(needle) || l.msisdn.includes(surname),
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(msisdns(rows)).toEqual(msisdns(expected));
    });

    it('finds numbers by part of the number with --search', async () => {
      const digits = (all[0] as Line).msisdn.slice(5, 9);
      const rows = await jsonRows<Line>('numbers', 'list', '--search', digits);
      const expected = all.filter((l) => l.msisdn.includes(digits));
      expect(msisdns(rows)).toEqual(msisdns(expected));
    });

    it('combines filters', async () => {
      const rows = await jsonRows<Line>('numbers', 'list', '--group', 'sales', '--status', 'active');
      const expected = all.filter(
        (l) => (demo.salesGroups as readonly string[]).includes(l.groupId) && l.status === 'active',
      );
      expect(msisdns(rows)).toEqual(msisdns(expected));
    });

    it('prints at most --limit rows', async () => {
      const r = await vm('numbers', 'list', '--limit', '7');
      expect(r.code).toBe(0);
      expect(r.stdout.trimEnd().split('\n')).toHaveLength(8);
      expect(await jsonRows<Line>('numbers', 'list', '--limit', '7')).toHaveLength(7);
    });
  });

  describe('numbers show', () => {
    it('shows a number written as 8 (9xx) xxx-xx-xx', async () => {
      const line = all[17] as Line;
      const r = await vm('numbers', 'show', russianSpelling(line.msisdn));
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(line.msisdn);
      expect(r.stdout).toContain(line.employee);
      expect(r.stdout).not.toContain(ANSI);
    });

    it('gives the account balance, tariff name and services with --json', async () => {
      const line = all.find((l) => l.services.length > 0) as Line;
      const r = await vm('numbers', 'show', russianSpelling(line.msisdn), '--json');
      expect(r.code).toBe(0);
      const detail = parseJson<LineDetail>(r.stdout);
      expect(detail).toMatchObject({ msisdn: line.msisdn, tariff: line.tariff, accountId: line.accountId });
      expect(typeof detail.accountBalance).toBe('number');
      expect(detail.tariffName).toEqual(expect.any(String));
      expect(detail.tariffName.length).toBeGreaterThan(0);
      expect(detail.services).toEqual(line.services);
      expect(detail.serviceDetails.map((s) => s.code)).toEqual(line.services);
    });

    it('refuses an invalid number with exit 2 before asking the backend', async () => {
      const r = await vm('numbers', 'show', '12345');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('12345');
    });

    it('says not found (exit 1) for a valid number the company does not have', async () => {
      const taken = new Set(all.map((l) => l.msisdn));
      let unknown = '+79990009999';
      for (let n = 9999; taken.has(unknown); n--) unknown = `+7999000${String(n).padStart(4, '0')}`;
      const r = await vm('numbers', 'show', unknown);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/not found/i);
    });
  });

  describe('catalogs', () => {
    it('lists tariffs as JSON and TSV', async () => {
      const tariffs = await jsonRows<Tariff>('tariffs', 'list');
      expect(tariffs.length).toBeGreaterThan(0);
      for (const t of tariffs)
        expect(t).toMatchObject({ code: expect.any(String), monthlyFee: expect.any(Number) });
      expect(tariffs.map((t) => t.code)).toContain('SMART');
      await expectTsv(vm('tariffs', 'list'), 'code', tariffs.length);
    });

    it('lists services as JSON and TSV', async () => {
      const services = await jsonRows<Service>('services', 'list');
      expect(services.length).toBeGreaterThan(0);
      for (const s of services) expect(Array.isArray(s.incompatibleWith)).toBe(true);
      await expectTsv(vm('services', 'list'), 'code', services.length);
    });

    it('lists only the services that fit a tariff with services list --tariff', async () => {
      const every = await jsonRows<Service>('services', 'list');
      const tariff = 'DATA_ONLY';
      const fitting = await jsonRows<Service>('services', 'list', '--tariff', tariff);
      expect(fitting.length).toBeGreaterThan(0);
      for (const s of fitting) expect(s.incompatibleWith).not.toContain(tariff);
      const expected = every.filter((s) => !s.incompatibleWith.includes(tariff)).map((s) => s.code);
      expect(fitting.map((s) => s.code).sort()).toEqual(expected.sort());
      expect(fitting.length).toBeLessThan(every.length);
    });

    it('lists accounts as JSON and TSV', async () => {
      const accounts = await jsonRows<Account>('accounts', 'list');
      expect(accounts.map((a) => a.id).sort()).toEqual(['4001001', '4001002', '4001003', '4001004']);
      expect(accounts.reduce((sum, a) => sum + a.numbers, 0)).toBe(demo.lines);
      await expectTsv(vm('accounts', 'list'), 'id', accounts.length);
    });

    it('lists groups as JSON with a path, and as TSV', async () => {
      const groups = await jsonRows<Group>('groups', 'list');
      expect(groups.map((g) => g.id).sort()).toEqual(
        ['drivers', 'finance', 'hq', 'it', 'sales', 'sales-north', 'sales-south', 'warehouse'].sort(),
      );
      for (const g of groups) expect(g.path).toEqual(expect.any(String));
      expect(groups.find((g) => g.id === 'sales-north')?.path).toBe('HQ/Sales/Sales North');
      expect(groups.reduce((sum, g) => sum + g.numbers, 0)).toBe(demo.lines);
      await expectTsv(vm('groups', 'list'), 'id', groups.length);
    });
  });
});

/** A piped list: exit 0, a header line starting with `firstColumn`, `rows` data lines, no colour. */
async function expectTsv(run: Promise<RunVmResult>, firstColumn: string, rows: number): Promise<void> {
  const r = await run;
  expect(r.code).toBe(0);
  expect(r.stdout).not.toContain(ANSI);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]?.split('\t')[0]).toBe(firstColumn);
  expect(lines).toHaveLength(rows + 1);
}
