import { Writable } from 'node:stream';

import { parse } from 'csv-parse/sync';

import { columnText } from '../support/tables.js';
import {
  chooseFormat,
  fitColumns,
  fitTable,
  FormatError,
  parseFieldList,
  renderObject,
  renderRows,
  renderTree,
  UnknownFieldError,
  type Column,
  type OutputFormat,
  type RenderOptions,
  wrapText,
} from '../../src/cli/output/render.js';

/** An in-memory stdout; `slow` acknowledges each chunk on a later turn so backpressure shows. */
class Collector extends Writable {
  chunks: string[] = [];
  constructor(
    private readonly slow = false,
    highWaterMark = 16384,
  ) {
    super({ highWaterMark, decodeStrings: false });
  }
  override _write(chunk: unknown, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(String(chunk));
    if (this.slow) setImmediate(done);
    else done();
  }
  get text(): string {
    return this.chunks.join('');
  }
}

interface Line {
  msisdn: string;
  owner: string | null;
  tariff: string;
  balance: number;
  services: string[];
  active: boolean;
  updatedAt: string;
  note: string | null;
  internalId: number;
}

const ROWS: Line[] = [
  {
    msisdn: '+79001234567',
    owner: 'Иванов; "Пётр"',
    tariff: 'SMART, 2024',
    balance: 123450,
    services: ['roaming', 'sms'],
    active: true,
    updatedAt: '2024-05-01T09:30:00Z',
    note: 'line 1\nline 2\tafter tab \\ backslash\r\nend',
    internalId: 1,
  },
  {
    msisdn: '+79007654321',
    owner: null,
    tariff: 'BASIC',
    balance: -5,
    services: [],
    active: false,
    updatedAt: '2024-12-31T23:59:59.999Z',
    note: null,
    internalId: 2,
  },
];

const COLUMNS: Column<Line>[] = [
  { key: 'msisdn', header: 'Номер' },
  { key: 'owner', header: 'Сотрудник', freeText: true },
  { key: 'tariff', header: 'Тариф' },
  { key: 'balance', header: 'Баланс', kind: 'money' },
  { key: 'services', header: 'Услуги', kind: 'list' },
  { key: 'active', header: 'Активен', kind: 'bool' },
  { key: 'updatedAt', header: 'Изменён', kind: 'time' },
  { key: 'note', header: 'Заметка', inTable: false },
];

const KEYS = 'msisdn,owner,tariff,balance,services,active,updatedAt,note';
const NBSP = '\u00A0';
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;

function opts(format: OutputFormat, more: Partial<RenderOptions> = {}): RenderOptions {
  return { format, color: false, lang: 'ru', ...more };
}

async function render(
  format: OutputFormat,
  more: Partial<RenderOptions> = {},
  rows: Iterable<Line> | AsyncIterable<Line> = ROWS,
): Promise<{ text: string; count: number }> {
  const out = new Collector();
  const count = await renderRows(rows, COLUMNS, opts(format, more), out);
  return { text: out.text, count };
}

async function* slowly<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) {
    await new Promise((r) => setImmediate(r));
    yield item;
  }
}

describe('chooseFormat', () => {
  it('uses a table on a TTY and tsv otherwise when no flag is given', () => {
    expect(chooseFormat({}, true)).toBe('table');
    expect(chooseFormat({}, false)).toBe('tsv');
  });

  it('lets -o win over every other flag', () => {
    expect(chooseFormat({ output: 'tsv', json: true, jsonl: true, csv: true, excel: true }, true)).toBe(
      'tsv',
    );
    expect(chooseFormat({ output: 'table' }, false)).toBe('table');
  });

  it('prefers --json over --jsonl/--ndjson over --csv', () => {
    expect(chooseFormat({ json: true, jsonl: true, csv: true }, true)).toBe('json');
    expect(chooseFormat({ jsonl: true, csv: true }, true)).toBe('jsonl');
    expect(chooseFormat({ ndjson: true, csv: true }, true)).toBe('jsonl');
    expect(chooseFormat({ csv: true }, true)).toBe('csv');
  });

  it('treats --excel alone as csv', () => {
    expect(chooseFormat({ excel: true }, true)).toBe('csv');
  });

  it('reads -o case-insensitively and accepts ndjson for jsonl', () => {
    expect(chooseFormat({ output: 'JSON' }, true)).toBe('json');
    expect(chooseFormat({ output: 'ndjson' }, true)).toBe('jsonl');
  });

  it('throws FormatError naming the formats on an unknown -o value', () => {
    expect(() => chooseFormat({ output: 'xml' }, true)).toThrow(FormatError);
    expect(() => chooseFormat({ output: 'xml' }, true)).toThrow(/table, json, jsonl, csv, tsv/);
    expect(() => chooseFormat({ output: '' }, true)).toThrow(FormatError);
  });
});

describe('parseFieldList', () => {
  it('splits on commas, trims, and drops blanks and repeats', () => {
    expect(parseFieldList(' msisdn, owner,,msisdn ,balance ')).toEqual(['msisdn', 'owner', 'balance']);
  });
});

describe('json', () => {
  it('writes the whole API rows, money as integer kopecks and lists as arrays', async () => {
    const { text, count } = await render('json');
    expect(count).toBe(2);
    expect(JSON.parse(text)).toEqual(ROWS);
  });

  it('writes one row per line between [ and ]', async () => {
    const { text } = await render('json');
    expect(text).toBe(`[\n${JSON.stringify(ROWS[0])},\n${JSON.stringify(ROWS[1])}\n]\n`);
  });

  it('writes [] for 0 rows', async () => {
    const { text, count } = await render('json', {}, []);
    expect(count).toBe(0);
    expect(text.trim()).toBe('[]');
    expect(JSON.parse(text)).toEqual([]);
  });

  it('keeps only the --fields keys in their order, any field of the row included', async () => {
    const { text } = await render('json', { fields: ['balance', 'internalId', 'msisdn'] });
    const parsed = JSON.parse(text) as Record<string, unknown>[];
    expect(parsed).toEqual([
      { balance: 123450, internalId: 1, msisdn: '+79001234567' },
      { balance: -5, internalId: 2, msisdn: '+79007654321' },
    ]);
    expect(Object.keys(parsed[0])).toEqual(['balance', 'internalId', 'msisdn']);
  });

  it('keeps null as null', async () => {
    const { text } = await render('json', { fields: ['owner', 'note'] });
    expect(JSON.parse(text)[1]).toEqual({ owner: null, note: null });
  });

  it('streams rows from an async source', async () => {
    const { text, count } = await render('json', {}, slowly(ROWS));
    expect(count).toBe(2);
    expect(JSON.parse(text)).toEqual(ROWS);
  });
});

describe('jsonl', () => {
  it('writes one JSON object per line, each of which parses', async () => {
    const { text } = await render('jsonl');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual(ROWS);
  });

  it('writes nothing for 0 rows', async () => {
    expect((await render('jsonl', {}, [])).text).toBe('');
  });

  it('keeps only the --fields keys', async () => {
    const { text } = await render('jsonl', { fields: ['msisdn', 'services'] });
    expect(text).toBe(
      '{"msisdn":"+79001234567","services":["roaming","sms"]}\n{"msisdn":"+79007654321","services":[]}\n',
    );
  });
});

describe('tsv', () => {
  it('writes a header of API field names and one line per row', async () => {
    const { text } = await render('tsv');
    const lines = text.split('\n');
    expect(lines[0]).toBe(KEYS.split(',').join('\t'));
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
  });

  it('writes money as decimal rubles, lists with commas, true/false and empty for null', async () => {
    const { text } = await render('tsv');
    expect(text.split('\n')[2]).toBe('+79007654321\t\tBASIC\t-0.05\t\tfalse\t2024-12-31T23:59:59.999Z\t');
  });

  it('escapes backslash, tab, CR and LF inside a value', async () => {
    const { text } = await render('tsv');
    expect(text.split('\n')[1]).toBe(
      [
        '+79001234567',
        'Иванов; "Пётр"',
        'SMART, 2024',
        '1234.50',
        'roaming,sms',
        'true',
        '2024-05-01T09:30:00Z',
        'line 1\\nline 2\\tafter tab \\\\ backslash\\r\\nend',
      ].join('\t'),
    );
  });

  it('writes all columns, including those hidden from the table', async () => {
    const { text } = await render('tsv');
    expect(text.split('\n')[0]).toContain('note');
  });

  it('writes only the header for 0 rows', async () => {
    const { text, count } = await render('tsv', {}, []);
    expect(count).toBe(0);
    expect(text).toBe(KEYS.split(',').join('\t') + '\n');
  });

  it('chooses and orders columns by --fields, accepting any field of the row', async () => {
    const { text } = await render('tsv', { fields: ['balance', 'msisdn', 'internalId'] });
    expect(text).toBe('balance\tmsisdn\tinternalId\n1234.50\t+79001234567\t1\n-0.05\t+79007654321\t2\n');
  });
});

describe('csv', () => {
  it('parses back with csv-parse to the same values', async () => {
    const { text } = await render('csv');
    const records = parse(text, { columns: true }) as Record<string, string>[];
    expect(records).toEqual([
      {
        msisdn: '+79001234567',
        owner: 'Иванов; "Пётр"',
        tariff: 'SMART, 2024',
        balance: '1234.50',
        services: 'roaming,sms',
        active: 'true',
        updatedAt: '2024-05-01T09:30:00Z',
        note: 'line 1\nline 2\tafter tab \\ backslash\r\nend',
      },
      {
        msisdn: '+79007654321',
        owner: '',
        tariff: 'BASIC',
        balance: '-0.05',
        services: '',
        active: 'false',
        updatedAt: '2024-12-31T23:59:59.999Z',
        note: '',
      },
    ]);
  });

  it('quotes a field holding a comma or a quote and doubles the quote', async () => {
    const { text } = await render('csv');
    expect(text).toContain(',"SMART, 2024",');
    expect(text).toContain(',"Иванов; ""Пётр""",');
    expect(text).toContain(',"roaming,sms",');
  });

  it('quotes a field holding a line break', async () => {
    const { text } = await render('csv');
    expect(text).toContain('"line 1\nline 2\tafter tab \\ backslash\r\nend"');
  });

  it('ends records with \\n and has no BOM', async () => {
    const { text } = await render('csv');
    expect(text.startsWith(KEYS + '\n')).toBe(true);
    expect(text.endsWith(',false,2024-12-31T23:59:59.999Z,\n')).toBe(true);
  });

  it('writes only the header for 0 rows', async () => {
    expect((await render('csv', {}, [])).text).toBe(KEYS + '\n');
  });

  describe('--excel', () => {
    it('starts with a BOM and separates with ; and CRLF', async () => {
      const { text } = await render('csv', { excel: true });
      expect(text.startsWith('\uFEFF' + KEYS.replace(/,/g, ';') + '\r\n')).toBe(true);
      expect(text.endsWith(';false;2024-12-31T23:59:59.999Z;\r\n')).toBe(true);
    });

    it('quotes a field holding ; in csv', async () => {
      const { text } = await render('csv', { excel: true });
      expect(text).toContain(';"Иванов; ""Пётр""";');
      expect(text).toContain(';SMART, 2024;');
    });

    it('parses back to the same values, money with a decimal comma', async () => {
      const plain = parse((await render('csv')).text, { columns: true }) as Record<string, string>[];
      const excel = parse((await render('csv', { excel: true })).text, {
        columns: true,
        delimiter: ';',
        bom: true,
      }) as Record<string, string>[];
      const commaMoney = plain.map((r) => ({ ...r, balance: r.balance?.replace('.', ',') }));
      expect(excel).toEqual(commaMoney);
      expect(excel[0]?.balance).toMatch(/^-?\d+,\d\d$/);
    });

    it('quotes a lone LF (Excel) or CR (plain csv) so a multi-line note stays one record', async () => {
      const notes = [
        { ...(ROWS[1] as Line), note: 'first line\nsecond' },
        { ...(ROWS[1] as Line), note: 'x\ry' },
      ];
      for (const excel of [true, false]) {
        const text = (await render('csv', { excel }, notes)).text;
        const back = parse(text, { columns: true, delimiter: excel ? ';' : ',', bom: true }) as Record<
          string,
          string
        >[];
        expect(back.map((r) => r.note)).toEqual(['first line\nsecond', 'x\ry']);
      }
    });
  });
});

describe('table', () => {
  it('shows money, booleans, times, lists and null the way people read them', async () => {
    const { text } = await render('table');
    expect(text).toContain(`1${NBSP}234,50 ₽`);
    expect(text).toContain('-0,05 ₽');
    expect(text).toContain('2024-05-01 09:30');
    expect(text).toContain('2024-12-31 23:59');
    expect(text).toContain('roaming, sms');
    expect(text).toMatch(/│ да +│/);
    expect(text).toMatch(/│ нет +│/);
    expect(text).toMatch(/│ — +│/);
  });

  it('speaks English when lang is en', async () => {
    const { text } = await render('table', { lang: 'en' });
    expect(text).toContain('RUB 1,234.50');
    expect(text).toContain('-RUB 0.05');
    expect(text).toMatch(/│ yes +│/);
    expect(text).toMatch(/│ no +│/);
  });

  it('uses the localized headers and hides inTable: false columns', async () => {
    const { text } = await render('table');
    expect(text).toContain('Сотрудник');
    expect(text).not.toContain('Заметка');
    expect(text).not.toContain('line 1');
  });

  it('shows a hidden column when --fields names it', async () => {
    const { text } = await render('table', { fields: ['msisdn', 'note'] });
    expect(text).toContain('Заметка');
    expect(text).toContain('line 1');
    expect(text).not.toContain('Тариф');
  });

  it('aligns Cyrillic text: every line is as wide as the others', async () => {
    const { text } = await render('table');
    const widths = new Set(
      text
        .trimEnd()
        .split('\n')
        .map((l) => [...l].length),
    );
    expect(widths.size).toBe(1);
  });

  it('writes no ANSI escapes when color is false', async () => {
    const { text } = await render('table', { color: false });
    expect(text).not.toMatch(ANSI);
  });

  it('makes headers bold when color is true', async () => {
    const { text } = await render('table', { color: true });
    expect(text).toMatch(ANSI);
  });

  it('prints nothing for 0 rows', async () => {
    const { text, count } = await render('table', {}, []);
    expect(count).toBe(0);
    expect(text).toBe('');
  });

  it('wraps free text and lists to fit the terminal width, cutting nothing', async () => {
    const long = [
      { ...ROWS[0], owner: 'Константинопольская Анастасия '.repeat(3), services: 'ABCDEFGH'.split('') },
    ];
    const { text } = await render('table', { width: 100 }, long);
    for (const line of text.trimEnd().split('\n')) expect([...line].length).toBeLessThanOrEqual(100);
    expect(text).not.toContain('…');
    expect(columnText(text, 'Сотрудник')).toBe('КонстантинопольскаяАнастасия'.repeat(3));
    expect(columnText(text, 'Услуги')).toBe('A,B,C,D,E,F,G,H');
  });

  it('never narrows a typed value (a number, a code, money, a time), even past the terminal width', async () => {
    const long = [{ ...ROWS[0], tariff: 'X'.repeat(200), owner: 'Я'.repeat(100) }];
    const { text } = await render('table', { width: 60 }, long);
    expect(text).not.toContain('…');
    for (const whole of ['+79001234567', 'X'.repeat(200), `1${NBSP}234,50 ₽`, '2024-05-01 09:30', 'Активен'])
      expect(text).toContain(whole);
    expect(columnText(text, 'Сотрудник')).toBe('Я'.repeat(100));
  });

  it('leaves out ranked columns, the lowest rank first, when wrapping is not enough', async () => {
    const ranked: Column<Line>[] = COLUMNS.map((c) =>
      c.key === 'updatedAt' ? { ...c, dropRank: 1 } : c.key === 'balance' ? { ...c, dropRank: 2 } : c,
    );
    const draw = async (width: number) => {
      const out = new Collector();
      await renderRows(ROWS, ranked, opts('table', { width }), out);
      return out.text.split('\n')[1] ?? '';
    };
    expect(await draw(120)).toMatch(/Баланс.*Изменён/);
    expect(await draw(80)).toMatch(/Баланс/);
    expect(await draw(80)).not.toMatch(/Изменён/);
    const narrow = await draw(60);
    expect(narrow).not.toMatch(/Баланс|Изменён/);
    expect(narrow).toMatch(/Номер.*Сотрудник.*Тариф.*Услуги.*Активен/);
  });

  it('fits a table: drops by rank only while the least widths are too wide', () => {
    const cols = [
      { natural: 14, least: 14 },
      { natural: 30, least: 10, dropRank: 1 },
      { natural: 30, least: 10 },
      { natural: 12, least: 12, dropRank: 2 },
    ];
    expect(fitTable(cols, 200)).toEqual({ shown: [0, 1, 2, 3] });
    expect(fitTable(cols, 60)).toEqual({ shown: [0, 1, 2, 3], widths: [14, 15, 14, 12] });
    expect(fitTable(cols, 45)).toEqual({ shown: [0, 2, 3], widths: [14, 15, 12] });
    expect(fitTable(cols, 20)).toEqual({ shown: [0, 2], widths: [14, 10] });
    expect(fitTable(cols, undefined)).toEqual({ shown: [0, 1, 2, 3] });
  });

  it('wraps text at spaces and after commas and slashes, and a long word where the line ends', () => {
    expect(wrapText('the tariff is not offered', 10)).toBe('the tariff\nis not\noffered');
    expect(wrapText('SMART CALLER_ID,ANTISPAM', 10)).toBe('SMART\nCALLER_ID,\nANTISPAM');
    expect(wrapText('HQ/Sales/North', 10)).toBe('HQ/Sales/\nNorth');
    expect(wrapText('BUSINESS_PRO', 8)).toBe('BUSINESS\n_PRO');
    expect(wrapText('', 8)).toBe('');
  });

  it('fits columns by narrowing the widest ones first, none below its least', () => {
    expect(fitColumns([10, 50, 12], 40, [10, 10, 12])).toEqual([10, 14, 12]);
    expect(fitColumns([30, 50, 12], 40, [10, 10, 12])).toEqual([12, 12, 12]);
    expect(fitColumns([30, 50, 12], 40, [20, 10, 12])).toEqual([20, 10, 12]);
    expect(fitColumns([10, 10], 40, [10, 10])).toBeUndefined();
  });

  it('leaves a table that fits alone', async () => {
    const { text } = await render('table', { width: 500 });
    expect(text).not.toContain('…');
  });

  it('shows terminal control characters in values as visible escapes', async () => {
    const evil = [{ ...ROWS[0], owner: 'a\u001b[2Jb\u0007' }];
    const { text } = await render('table', {}, evil);
    expect(text).not.toMatch(ANSI);
    expect(text).not.toContain('\u0007');
    expect(text).toContain('a\\u001b[2Jb\\u0007');
  });
});

describe('--fields', () => {
  it.each<OutputFormat>(['table', 'tsv', 'csv', 'json', 'jsonl'])(
    'throws UnknownFieldError listing the valid fields in %s, writing nothing',
    async (format) => {
      const out = new Collector();
      const error = await renderRows(ROWS, COLUMNS, opts(format, { fields: ['msisdn', 'nope'] }), out).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UnknownFieldError);
      expect((error as UnknownFieldError).field).toBe('nope');
      expect((error as UnknownFieldError).valid).toEqual([...KEYS.split(','), 'internalId']);
      expect(out.text).toBe('');
    },
  );

  it('accepts a field that is not a column when there are 0 rows to check it against', async () => {
    // With no row to look at, a name that is not a column may still be an API field; it is accepted.
    const { text } = await render('tsv', { fields: ['msisdn', 'internalId'] }, []);
    expect(text).toBe('msisdn\tinternalId\n');
  });

  it('stops an async source when a field is unknown', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Line> {
      try {
        yield* ROWS;
      } finally {
        closed = true;
      }
    }
    await expect(render('json', { fields: ['nope'] }, source())).rejects.toThrow(UnknownFieldError);
    expect(closed).toBe(true);
  });

  it('ignores blank and repeated names', async () => {
    const { text } = await render('tsv', { fields: [' msisdn', '', 'msisdn', 'balance '] });
    expect(text.split('\n')[0]).toBe('msisdn\tbalance');
  });
});

describe('renderRows streaming', () => {
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ ...ROWS[0], msisdn: `+7900${String(i).padStart(7, '0')}` }));

  it('writes all 10,000 rows of an async generator', async () => {
    const rows = many(10000);
    async function* source(): AsyncGenerator<Line> {
      for (const [i, row] of rows.entries()) {
        if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
        yield row;
      }
    }
    const out = new Collector();
    const count = await renderRows(source(), COLUMNS, opts('jsonl'), out);
    expect(count).toBe(10000);
    const lines = out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(10000);
    expect(JSON.parse(lines[9999]).msisdn).toBe('+79000009999');
  });

  it.each<OutputFormat>(['tsv', 'csv', 'json', 'jsonl'])(
    'waits for drain instead of filling memory when the output is slow (%s)',
    async (format) => {
      const out = new Collector(true, 1024);
      let maxBuffered = 0;
      async function* source(): AsyncGenerator<Line> {
        for (const row of many(10000)) {
          maxBuffered = Math.max(maxBuffered, out.writableLength);
          yield row;
        }
      }
      const count = await renderRows(source(), COLUMNS, opts(format), out);
      expect(count).toBe(10000);
      expect(maxBuffered).toBeLessThan(2048);
      const text = out.text;
      if (format === 'json') expect(JSON.parse(text)).toHaveLength(10000);
      if (format === 'csv') expect(parse(text, { columns: true })).toHaveLength(10000);
    },
  );

  it('writes rows as they arrive rather than at the end', async () => {
    const out = new Collector();
    let seenBeforeSecond = '';
    async function* source(): AsyncGenerator<Line> {
      yield ROWS[0];
      await new Promise((r) => setImmediate(r));
      seenBeforeSecond = out.text;
      yield ROWS[1];
    }
    await renderRows(source(), COLUMNS, opts('jsonl'), out);
    expect(seenBeforeSecond).toBe(JSON.stringify(ROWS[0]) + '\n');
  });

  it('stops the source and rejects when the output fails', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Line> {
      try {
        for (const row of many(100000)) yield row;
      } finally {
        closed = true;
      }
    }
    const out = new Writable({
      highWaterMark: 64,
      write(_chunk, _enc, done) {
        setImmediate(() => done(new Error('EPIPE')));
      },
    });
    out.on('error', () => undefined);
    await expect(renderRows(source(), COLUMNS, opts('tsv'), out)).rejects.toThrow();
    expect(closed).toBe(true);
  });
});

describe('renderObject', () => {
  const item = ROWS[0];

  it('draws a table as aligned "label: value" lines', async () => {
    const out = new Collector();
    await renderObject(item, COLUMNS.slice(0, 4), opts('table'), out);
    expect(out.text).toBe(
      [
        'Номер:     +79001234567',
        'Сотрудник: Иванов; "Пётр"',
        'Тариф:     SMART, 2024',
        `Баланс:    1${NBSP}234,50 ₽`,
        '',
      ].join('\n'),
    );
  });

  it('shows a multi-line value on one line, so no line of it passes for another label', async () => {
    const out = new Collector();
    await renderObject(item, COLUMNS, opts('table', { fields: ['msisdn', 'note'] }), out);
    expect(out.text).toBe(
      'Номер:   +79001234567\nЗаметка: line 1\\nline 2\\tafter tab \\ backslash\\r\\nend\n',
    );
  });

  it('writes the whole object as JSON', async () => {
    const out = new Collector();
    await renderObject(item, COLUMNS, opts('json'), out);
    expect(JSON.parse(out.text)).toEqual(item);
  });

  it('writes the --fields keys of the object as JSON', async () => {
    const out = new Collector();
    await renderObject(item, COLUMNS, opts('json', { fields: ['internalId', 'balance'] }), out);
    expect(JSON.parse(out.text)).toEqual({ internalId: 1, balance: 123450 });
  });

  it('writes one line in jsonl', async () => {
    const out = new Collector();
    await renderObject(item, COLUMNS, opts('jsonl'), out);
    expect(out.text).toBe(JSON.stringify(item) + '\n');
  });

  it('writes a header and one row in tsv and csv', async () => {
    const tsv = new Collector();
    await renderObject(item, COLUMNS, opts('tsv', { fields: ['msisdn', 'balance'] }), tsv);
    expect(tsv.text).toBe('msisdn\tbalance\n+79001234567\t1234.50\n');
    const csv = new Collector();
    await renderObject(item, COLUMNS, opts('csv', { fields: ['owner', 'balance'] }), csv);
    expect(csv.text).toBe('owner,balance\n"Иванов; ""Пётр""",1234.50\n');
  });

  it('throws UnknownFieldError for a field the object does not have', async () => {
    await expect(
      renderObject(item, COLUMNS, opts('json', { fields: ['nope'] }), new Collector()),
    ).rejects.toThrow(UnknownFieldError);
  });
});

describe('renderTree', () => {
  interface Group {
    id: string;
    parentId: string | null;
    name: string;
  }
  const draw = (groups: Group[]) => {
    const out = new Collector();
    renderTree(
      groups,
      (g) => g.id,
      (g) => g.parentId,
      (g) => g.name,
      out,
    );
    return out.text;
  };

  it('draws the connectors', () => {
    const groups: Group[] = [
      { id: '1', parentId: null, name: 'Компания' },
      { id: '2', parentId: '1', name: 'Продажи' },
      { id: '3', parentId: '2', name: 'Москва' },
      { id: '4', parentId: '2', name: 'Казань' },
      { id: '5', parentId: '1', name: 'Склад' },
      { id: '6', parentId: '5', name: 'Ночная смена' },
    ];
    expect(draw(groups)).toBe(
      [
        'Компания',
        '├── Продажи',
        '│   ├── Москва',
        '│   └── Казань',
        '└── Склад',
        '    └── Ночная смена',
        '',
      ].join('\n'),
    );
  });

  it('draws each root and a row whose parent is not listed at the top level', () => {
    const groups: Group[] = [
      { id: 'a', parentId: null, name: 'A' },
      { id: 'b', parentId: 'hidden', name: 'B' },
      { id: 'c', parentId: 'b', name: 'C' },
    ];
    expect(draw(groups)).toBe('A\nB\n└── C\n');
  });

  it('draws nothing for no rows', () => {
    expect(draw([])).toBe('');
  });
});
