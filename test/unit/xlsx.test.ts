import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';

import ExcelJS from 'exceljs';

import {
  chooseFormat,
  renderObject,
  renderRows,
  type Column,
  type RenderOptions,
} from '../../src/cli/output/render.js';
import {
  DATE_FORMAT,
  MONEY_FORMAT,
  sheetName,
  TIME_FORMAT,
  writeXlsx,
  xlsxValue,
} from '../../src/cli/output/xlsx.js';

/**
 * Tracker issue 15, "Spreadsheets": `--xlsx FILE` writes a workbook whose cells are typed by their column,
 * so a spreadsheet never reads an ICCID as 8.97010259596146E+19 or drops the + of a phone number.
 */

/** The bytes of a workbook; `stall` stops taking them (calls back never) after that many writes. */
class Bytes extends Writable {
  chunks: Buffer[] = [];
  constructor(private readonly stall = Infinity) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    if (this.chunks.length < this.stall) done();
  }
  get buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

interface Line {
  msisdn: string;
  iccid: string;
  accountId: number;
  employee: string | null;
  monthlyFee: number;
  services: string[];
  calls: number;
  active: boolean;
  activatedAt: string;
  since: string;
}

const LINE: Line = {
  msisdn: '+79161234567',
  iccid: '89701017766581523044',
  accountId: 4001002,
  employee: '=HYPERLINK("http://evil.test","click")',
  monthlyFee: 123450,
  services: ['ROAMING', 'SMS'],
  calls: 42,
  active: true,
  activatedAt: '2026-10-01T05:44:31Z',
  since: '2026-10-01',
};

const COLUMNS: Column<Line>[] = [
  { key: 'msisdn', header: 'Номер' },
  { key: 'iccid', header: 'ICCID' },
  { key: 'accountId', header: 'Счёт' },
  { key: 'employee', header: 'Сотрудник', freeText: true },
  { key: 'monthlyFee', header: 'Абонплата', kind: 'money' },
  { key: 'services', header: 'Услуги', kind: 'list', inTable: false },
  { key: 'calls', header: 'Звонки', kind: 'number' },
  { key: 'active', header: 'Активен', kind: 'bool' },
  { key: 'activatedAt', header: 'Подключён', kind: 'time' },
  { key: 'since', header: 'С', kind: 'time' },
];

const XLSX = { sheet: 'numbers', timeHeader: (key: string) => `${key} (UTC)` };

function opts(more: Partial<RenderOptions> = {}): RenderOptions {
  return { format: 'xlsx', color: false, lang: 'en', xlsx: XLSX, ...more };
}

/** The workbook `renderRows` writes for `rows`, read back with ExcelJS's reader. */
async function workbookOf(rows: Line[], more: Partial<RenderOptions> = {}): Promise<ExcelJS.Workbook> {
  const out = new Bytes();
  await renderRows(rows, COLUMNS, opts(more), out);
  return read(out.buffer);
}

async function read(buffer: Buffer): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(buffer as unknown as ArrayBuffer);
  return book;
}

/** The cells of a row by its header (row 1). */
function rowOf(sheet: ExcelJS.Worksheet, n: number): Record<string, ExcelJS.Cell> {
  const cells: Record<string, ExcelJS.Cell> = {};
  sheet.getRow(1).eachCell((head, col) => (cells[String(head.value)] = sheet.getRow(n).getCell(col)));
  return cells;
}

const headerOf = (sheet: ExcelJS.Worksheet): unknown[] => (sheet.getRow(1).values as unknown[]).slice(1);

describe('xlsx cells', () => {
  it('writes a phone number, an ICCID and an id as text cells, never as numbers', async () => {
    const sheet = (await workbookOf([LINE])).worksheets[0] as ExcelJS.Worksheet;
    const row = rowOf(sheet, 2);
    expect(row.msisdn?.type).toBe(ExcelJS.ValueType.String);
    expect(row.msisdn?.value).toBe('+79161234567');
    expect(row.iccid?.type).toBe(ExcelJS.ValueType.String);
    expect(row.iccid?.value).toBe('89701017766581523044');
    // A JSON number in a typed text column (an account id) is still its text.
    expect(row.accountId?.type).toBe(ExcelJS.ValueType.String);
    expect(row.accountId?.value).toBe('4001002');
  });

  it('writes money as rubles with the ruble format: 123450 kopecks are 1234.5', async () => {
    const sheet = (await workbookOf([LINE, { ...LINE, monthlyFee: -1 }, { ...LINE, monthlyFee: 1999 }]))
      .worksheets[0] as ExcelJS.Worksheet;
    const fees = [2, 3, 4].map((n) => rowOf(sheet, n).monthlyFee as ExcelJS.Cell);
    expect(fees.map((c) => c.type)).toEqual([2, 2, 2].map(() => ExcelJS.ValueType.Number));
    expect(fees.map((c) => c.value)).toEqual([1234.5, -0.01, 19.99]);
    expect(fees.map((c) => c.numFmt)).toEqual([MONEY_FORMAT, MONEY_FORMAT, MONEY_FORMAT]);
    expect(MONEY_FORMAT).toContain('₽');
  });

  it('writes a count as a number and a boolean as a boolean', async () => {
    const row = rowOf((await workbookOf([LINE])).worksheets[0] as ExcelJS.Worksheet, 2);
    expect(row.calls?.type).toBe(ExcelJS.ValueType.Number);
    expect(row.calls?.value).toBe(42);
    expect(row.active?.type).toBe(ExcelJS.ValueType.Boolean);
    expect(row.active?.value).toBe(true);
  });

  it('writes a time as a date in UTC with a date-time format, and says UTC in its header', async () => {
    const sheet = (await workbookOf([LINE])).worksheets[0] as ExcelJS.Worksheet;
    expect(headerOf(sheet)).toContain('activatedAt (UTC)');
    const row = rowOf(sheet, 2);
    const time = row['activatedAt (UTC)'] as ExcelJS.Cell;
    expect(time.type).toBe(ExcelJS.ValueType.Date);
    expect((time.value as Date).toISOString()).toBe('2026-10-01T05:44:31.000Z');
    expect(time.numFmt).toBe(TIME_FORMAT);
    // A date alone is that day, shown without a time.
    const day = row['since (UTC)'] as ExcelJS.Cell;
    expect((day.value as Date).toISOString()).toBe('2026-10-01T00:00:00.000Z');
    expect(day.numFmt).toBe(DATE_FORMAT);
  });

  it('writes free text as text, one that looks like a formula too: no cell is ever a formula', async () => {
    const texts = ['=HYPERLINK("http://evil.test")', '+1 (cmd)', '-2+3', '@SUM(A1)', '\tx'];
    const sheet = (await workbookOf(texts.map((employee) => ({ ...LINE, employee }))))
      .worksheets[0] as ExcelJS.Worksheet;
    const cells = texts.map((_, i) => rowOf(sheet, i + 2).employee as ExcelJS.Cell);
    expect(cells.map((c) => c.type)).toEqual(texts.map(() => ExcelJS.ValueType.String));
    expect(cells.map((c) => c.value)).toEqual(texts);
  });

  it('leaves null, a missing value, an empty text and an empty list empty; a list is its items', async () => {
    const sheet = (
      await workbookOf([LINE, { ...LINE, employee: null, services: [] }, { ...LINE, services: ['A'] }])
    ).worksheets[0] as ExcelJS.Worksheet;
    expect(rowOf(sheet, 2).services?.value).toBe('ROAMING,SMS');
    expect(rowOf(sheet, 3).employee?.type).toBe(ExcelJS.ValueType.Null);
    expect(rowOf(sheet, 3).services?.type).toBe(ExcelJS.ValueType.Null);
    expect(xlsxValue(undefined, 'text')).toBeNull();
    expect(xlsxValue('', 'text')).toBeNull();
  });

  it('maps each column kind to its cell: text stays text whatever it holds', () => {
    expect(xlsxValue('007', 'text')).toBe('007');
    expect(xlsxValue(12, 'text')).toBe('12');
    expect(xlsxValue(150, 'money')).toBe(1.5);
    expect(xlsxValue('n/a', 'money')).toBe('n/a');
    expect(xlsxValue(7, 'number')).toBe(7);
    expect(xlsxValue('not a time', 'time')).toBe('not a time');
    expect(xlsxValue({ a: 1 }, 'text')).toBe('{"a":1}');
    expect(xlsxValue('x'.repeat(40_000), 'text')).toHaveLength(32_767);
  });
});

describe('xlsx sheets', () => {
  it('names the sheet, freezes the header row and makes it bold', async () => {
    const sheet = (await workbookOf([LINE])).worksheets[0] as ExcelJS.Worksheet;
    expect(sheet.name).toBe('numbers');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(headerOf(sheet)).toEqual([
      'msisdn',
      'iccid',
      'accountId',
      'employee',
      'monthlyFee',
      'services',
      'calls',
      'active',
      'activatedAt (UTC)',
      'since (UTC)',
    ]);
  });

  it('sizes a column to its header and values, and caps a long text', async () => {
    const long = { ...LINE, employee: 'word '.repeat(100) };
    const sheet = (await workbookOf([long])).worksheets[0] as ExcelJS.Worksheet;
    const width = (key: string) => sheet.getColumn(headerOf(sheet).indexOf(key) + 1).width ?? 0;
    expect(width('iccid')).toBeGreaterThanOrEqual(20);
    expect(width('activatedAt (UTC)')).toBeGreaterThanOrEqual('activatedAt (UTC)'.length);
    expect(width('employee')).toBe(60);
    expect(width('calls')).toBeLessThan(10);
  });

  it('begins a new sheet every N rows, the header repeated: numbers, numbers 2, numbers 3', async () => {
    const rows = [1, 2, 3, 4, 5].map((n) => ({ ...LINE, msisdn: `+7916000000${n}` }));
    const book = await workbookOf(rows, { xlsx: { ...XLSX, rowsPerSheet: 2 } });
    expect(book.worksheets.map((s) => s.name)).toEqual(['numbers', 'numbers 2', 'numbers 3']);
    for (const sheet of book.worksheets) {
      expect(headerOf(sheet)[0]).toBe('msisdn');
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    }
    const numbers = book.worksheets.flatMap((s) =>
      s
        .getSheetValues()
        .slice(2)
        .map((row) => (row as unknown[])[1]),
    );
    expect(numbers).toEqual(rows.map((r) => r.msisdn));
    expect(book.worksheets.map((s) => s.rowCount)).toEqual([3, 3, 2]);
  });

  it('writes the header alone for no rows, and one row for an item', async () => {
    const empty = (await workbookOf([])).worksheets[0] as ExcelJS.Worksheet;
    expect(empty.rowCount).toBe(1);
    expect(headerOf(empty)[0]).toBe('msisdn');
    const out = new Bytes();
    await renderObject(LINE, COLUMNS, opts(), out);
    const item = (await read(out.buffer)).worksheets[0] as ExcelJS.Worksheet;
    expect(item.rowCount).toBe(2);
    expect(rowOf(item, 2).iccid?.value).toBe(LINE.iccid);
  });

  it('keeps the --fields columns in their order, any field of the rows as text', async () => {
    const sheet = (await workbookOf([LINE], { fields: ['monthlyFee', 'msisdn', 'calls'] }))
      .worksheets[0] as ExcelJS.Worksheet;
    expect(headerOf(sheet)).toEqual(['monthlyFee', 'msisdn', 'calls']);
    expect(rowOf(sheet, 2).monthlyFee?.value).toBe(1234.5);
    expect(rowOf(sheet, 2).calls?.value).toBe(42);
  });

  it('makes a name Excel takes of any sheet name', () => {
    expect(sheetName('numbers')).toBe('numbers');
    expect(sheetName('a/b:c*d?[e]\\f')).toBe('a b c d  e  f');
    expect(sheetName("'quoted'")).toBe('quoted');
    expect(sheetName('x'.repeat(40))).toHaveLength(27);
    expect(sheetName('///')).toBe('vm');
  });

  it('is the format of --xlsx, whatever the terminal', () => {
    expect(chooseFormat({ xlsx: 'out.xlsx' }, true)).toBe('xlsx');
    expect(chooseFormat({ xlsx: 'out.xlsx' }, false)).toBe('xlsx');
  });
});

describe('xlsx streaming', () => {
  it.each([
    // Text that does not compress fills the compressor's input; text that does, the zip's output.
    ['text that does not compress', () => randomBytes(100).toString('hex')],
    ['text that compresses well', () => Math.random().toString(36).repeat(3)],
  ])(
    'reads no further rows while the file takes no more (%s), and stops when the file fails',
    async (_, note) => {
      let read = 0;
      function* many(): Generator<{ msisdn: string; note: string }> {
        for (; read < 100_000; read++) yield { msisdn: `+7916${read}`, note: note() };
      }
      const out = new Bytes(3);
      const columns = ['msisdn', 'note'].map((key) => ({
        key,
        kind: 'text' as const,
        get: (row: Record<string, string>) => row[key],
      }));
      const writing = writeXlsx(many(), columns, XLSX, out);
      writing.catch(() => undefined);
      // Without waiting for the zip, ExcelJS takes all 100,000 rows into memory (and the zip their bytes).
      let before = -1;
      while (read !== before) {
        before = read;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect(read).toBeLessThan(50_000);
      out.destroy(new Error('disk full'));
      await expect(writing).rejects.toThrow('disk full');
      expect(read).toBe(before);
    },
  );
});
