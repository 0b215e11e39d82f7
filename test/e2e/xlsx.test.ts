import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Line } from '../../src/api/lines.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { demo, loginAs, makeConfigHome, parseJson, removeTempDirs, runVm } from '../support/run-vm.js';

/**
 * Tracker issue 15, "Spreadsheets": `--xlsx FILE` on a list, a report and a call detail export, the real
 * binary against a real backend, each workbook read back with ExcelJS: the cells a spreadsheet reads.
 */

/** LibreOffice, where it is installed (it is not on every machine: its test is skipped there). */
const SOFFICE = ['soffice', 'libreoffice'].find((bin) => spawnSync('which', [bin]).status === 0);

describe('spreadsheets (--xlsx)', () => {
  let backend: BackendProcess;
  let config: string;
  let lines: Line[];
  let work: string;
  const vm = (...args: string[]) => runVm(args, { server: backend.url, configHome: config });
  const file = (name: string) => path.join(work, name);

  async function workbook(name: string): Promise<ExcelJS.Workbook> {
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file(name));
    return book;
  }

  /** Each data row of a sheet as its cells by header. */
  function rows(sheet: ExcelJS.Worksheet): Record<string, ExcelJS.Cell>[] {
    const headers = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    const out: Record<string, ExcelJS.Cell>[] = [];
    for (let n = 2; n <= sheet.rowCount; n++) {
      const row = sheet.getRow(n);
      out.push(Object.fromEntries(headers.map((h, i) => [h, row.getCell(i + 1)])));
    }
    return out;
  }

  beforeAll(async () => {
    backend = await startBackendProcess({ clock: '2026-11-20T10:00:00Z', lines: 40 });
    config = makeConfigHome();
    await loginAs(backend.url, config, demo.admin.email, demo.admin.password);
    lines = parseJson<Line[]>((await vm('numbers', 'list', '--json')).stdout);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-xlsx-'));
  });
  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('writes vm numbers list as a workbook: numbers and ICCIDs as text, money in rubles, times as UTC dates', async () => {
    const r = await vm('numbers', 'list', '--xlsx', file('numbers.xlsx'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(work)).toEqual(['numbers.xlsx']);
    const sheet = (await workbook('numbers.xlsx')).worksheets[0] as ExcelJS.Worksheet;
    expect(sheet.name).toBe('numbers');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const got = rows(sheet);
    expect(got).toHaveLength(lines.length);
    got.forEach((row, i) => {
      const line = lines[i] as Line;
      expect(row.msisdn?.type).toBe(ExcelJS.ValueType.String);
      expect(row.msisdn?.value).toBe(line.msisdn);
      expect(row.iccid?.type).toBe(ExcelJS.ValueType.String);
      expect(row.iccid?.value).toBe(line.iccid);
      expect(row.monthlyFee?.type).toBe(ExcelJS.ValueType.Number);
      expect(row.monthlyFee?.value).toBe(line.monthlyFee / 100);
      expect(row.monthlyFee?.numFmt).toMatch(/₽/);
      expect(row['activatedAt (UTC)']?.type).toBe(ExcelJS.ValueType.Date);
      expect((row['activatedAt (UTC)']?.value as Date).getTime()).toBe(Date.parse(line.activatedAt));
    });
    expect(String(got[0]?.msisdn?.value)).toMatch(/^\+7\d{10}$/);
    expect(String(got[0]?.iccid?.value)).toMatch(/^\d{19,20}$/);
  });

  it('keeps the --fields columns, and says the times are UTC in Russian under --lang ru', async () => {
    const r = await vm(
      '--lang',
      'ru',
      'numbers',
      'list',
      '--fields',
      'msisdn,activatedAt',
      '--xlsx',
      file('ru.xlsx'),
    );
    expect(r.code).toBe(0);
    const sheet = (await workbook('ru.xlsx')).worksheets[0] as ExcelJS.Worksheet;
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(['msisdn', 'activatedAt (время UTC)']);
  });

  it('writes a report with the types of its columns: vm report usage --xlsx', async () => {
    const [json, xlsx] = await Promise.all([
      vm('report', 'usage', '--period', '2026-10', '--json'),
      vm('report', 'usage', '--period', '2026-10', '--xlsx', file('usage.xlsx')),
    ]);
    expect(xlsx.code).toBe(0);
    expect(xlsx.stdout).toBe('');
    const report = parseJson<{ rows: { msisdn: string; calls: number; cost: number }[] }>(json.stdout);
    expect(report.rows.length).toBeGreaterThan(0);
    const sheet = (await workbook('usage.xlsx')).worksheets[0] as ExcelJS.Worksheet;
    expect(sheet.name).toBe('usage');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const got = rows(sheet);
    expect(got.map((row) => row.msisdn?.value)).toEqual(report.rows.map((row) => row.msisdn));
    expect(got.every((row) => row.msisdn?.type === ExcelJS.ValueType.String)).toBe(true);
    expect(got.map((row) => row.calls?.value)).toEqual(report.rows.map((row) => row.calls));
    expect(got.map((row) => row.cost?.value)).toEqual(report.rows.map((row) => row.cost / 100));
    expect(got.every((row) => row.cost?.type === ExcelJS.ValueType.Number && /₽/.test(row.cost.numFmt))).toBe(
      true,
    );
  });

  it('writes call details from JSON lines as they stream: vm detail --xlsx', async () => {
    const number = lines.find(
      (l) => l.status === 'active' && l.tariff !== 'DATA_ONLY' && l.tariff !== 'DATA_PRO',
    );
    const msisdn = (number as Line).msisdn;
    const [jsonl, xlsx] = await Promise.all([
      vm('detail', msisdn, '--period', '2026-10', '--jsonl'),
      vm('detail', msisdn, '--period', '2026-10', '--xlsx', file('detail.xlsx')),
    ]);
    expect(xlsx.code).toBe(0);
    expect(xlsx.stdout).toBe('');
    const records = jsonl.stdout
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { number: string; time: string; peer: string; cost: number; seconds: number },
      );
    expect(records.length).toBeGreaterThan(50);
    expect(xlsx.stderr).toContain(`Wrote ${records.length} records`);
    const sheet = (await workbook('detail.xlsx')).worksheets[0] as ExcelJS.Worksheet;
    expect(sheet.name).toBe('detail');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const got = rows(sheet);
    expect(got).toHaveLength(records.length);
    got.forEach((row, i) => {
      const record = records[i] as (typeof records)[number];
      expect(row.number?.value).toBe(msisdn);
      expect(row.number?.type).toBe(ExcelJS.ValueType.String);
      expect((row['time (UTC)']?.value as Date).toISOString()).toBe(new Date(record.time).toISOString());
      expect(row.peer?.type).toBe(ExcelJS.ValueType.String);
      expect(row.seconds?.value).toBe(record.seconds);
      expect(row.cost?.value).toBe(record.cost / 100);
    });
  });

  it('refuses --xlsx with another format or a second file, in English and Russian, writing nothing', async () => {
    const out = file('refused.xlsx');
    const [json, format, csv, ru, report] = await Promise.all([
      vm('numbers', 'list', '--xlsx', out, '--json'),
      vm('numbers', 'list', '--xlsx', out, '-o', 'tsv'),
      vm('detail', '--all', '--xlsx', out, '--csv'),
      vm('--lang', 'ru', 'numbers', 'list', '--xlsx', out, '--csv'),
      vm('report', 'blocked', '--xlsx', out, '--output', file('refused.csv')),
    ]);
    for (const r of [json, format, csv, ru, report]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    }
    expect(json.stderr).toMatch(/--xlsx writes a workbook .*leave out --json/);
    expect(format.stderr).toMatch(/leave out -o\/--format/);
    expect(csv.stderr).toMatch(/leave out --csv/);
    expect(ru.stderr).toMatch(/--xlsx записывает книгу .*уберите --csv/);
    expect(report.stderr).toMatch(/both name the file to write/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.existsSync(file('refused.csv'))).toBe(false);
  });

  it('leaves nothing behind when the export fails, neither the file nor its temp', async () => {
    const r = await vm('numbers', 'list', '--fields', 'msisdn,nosuch', '--xlsx', file('failed.xlsx'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nosuch/);
    expect(fs.readdirSync(work).filter((f) => f.includes('failed'))).toEqual([]);
  });

  (SOFFICE ? it : it.skip)(
    'reads in LibreOffice as text and dates: its CSV keeps ICCIDs and the + of numbers',
    async () => {
      const out = path.join(work, 'soffice');
      fs.mkdirSync(out, { recursive: true });
      const xlsx = path.join(out, 'numbers.xlsx');
      expect((await vm('numbers', 'list', '--xlsx', xlsx)).code).toBe(0);
      const convert = spawnSync(
        SOFFICE as string,
        [
          '--headless',
          `-env:UserInstallation=file://${path.join(out, 'profile')}`,
          '--convert-to',
          'csv',
          '--outdir',
          out,
          xlsx,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(convert.status).toBe(0);
      const csv = fs.readFileSync(path.join(out, 'numbers.csv'), 'utf8');
      for (const line of lines) {
        expect(csv).toContain(line.msisdn);
        expect(csv).toContain(line.iccid);
      }
      expect(csv).not.toMatch(/E\+1\d/);
      const first = lines[0] as Line;
      expect(csv).toContain(new Date(first.activatedAt).toISOString().slice(0, 19).replace('T', ' '));
    },
  );
});
