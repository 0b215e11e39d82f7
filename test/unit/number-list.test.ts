import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import iconv from 'iconv-lite';

import { detectEncoding, SAMPLE_BYTES } from '../../src/cli/input/decode.js';
import { MsisdnSet } from '../../src/cli/input/msisdn-set.js';
import { RepeatCheck } from '../../src/cli/input/repeats.js';
import type { Msisdn } from '../../src/domain/msisdn.js';
import {
  readTargets,
  streamTargets,
  TargetsInputError,
  type ReadTargetsOptions,
  type RowError,
  type TargetRow,
} from '../../src/cli/input/number-list.js';
import { translator } from '../../src/cli/i18n/catalogs.js';

/** A fixture's path as a user would type it from the project root, so messages read `fixtures/csv/x:7`. */
function fixture(name: string): string {
  return path.relative(process.cwd(), fileURLToPath(new URL(`../../fixtures/csv/${name}`, import.meta.url)));
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-number-list-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tmpFile(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, content);
  return file;
}

const noStdin = Readable.from([]);

const en = translator('en');
/** How a test asks: anything but the language, which is English unless it says otherwise. */
type ReadOptions = Omit<ReadTargetsOptions, 't'> & { t?: ReadTargetsOptions['t'] };

async function read(files: string[], opts: ReadOptions = {}, positionals: string[] = []) {
  return readTargets(positionals, files, { t: en, ...opts }, noStdin);
}

async function readError(files: string[], opts: ReadOptions = {}, positionals: string[] = []) {
  const err = await read(files, opts, positionals).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TargetsInputError))
    throw new Error(`expected a TargetsInputError, got ${String(err)}`);
  return err;
}

const where = (e: RowError) => `${e.source}:${e.line}: ${e.reason}`;

describe('readTargets: the fixtures', () => {
  it('decodes Russian Excel CSV (Windows-1251, ";", CRLF) and takes the number from "Номер телефона"', async () => {
    const file = fixture('excel-ru-cp1251.csv');
    const result = await read([file], { paramColumns: ['tariff'] });
    expect(result.rows).toEqual([
      { msisdn: '+79161234567', line: 2, source: file, params: { tariff: 'Смарт' } },
      { msisdn: '+79162345678', line: 3, source: file, params: { tariff: 'Безлимит' } },
      { msisdn: '+79163456789', line: 4, source: file, params: { tariff: 'Смарт' } },
      { msisdn: '+79031112233', line: 5, source: file, params: { tariff: 'Корпоративный' } },
      { msisdn: '+79265556677', line: 6, source: file, params: {} },
      { msisdn: '+79851234567', line: 7, source: file, params: { tariff: 'Безлимит' } },
    ]);
    expect(result).toMatchObject({ duplicates: [], errors: [], errorCount: 0 });
  });

  it('reads UTF-8 with a BOM: the BOM does not hide the "msisdn" header', async () => {
    const file = fixture('utf8-bom.csv');
    const { rows } = await read([file], { paramColumns: ['tariff'] });
    expect(rows.map((r) => [r.msisdn, r.line, r.params])).toEqual([
      ['+79161234567', 2, { tariff: 'SMART' }],
      ['+79162345678', 3, { tariff: 'SMART' }],
      ['+79163456789', 4, { tariff: 'BASIC' }],
      ['+79031112233', 5, {}],
      ['+79265556677', 6, { tariff: 'PREMIUM' }],
    ]);
  });

  it('reads a plain list without a header, skipping blank lines and trimming spaces and tabs', async () => {
    const { rows, errorCount } = await read([fixture('plain-list.txt')]);
    expect(rows.map((r) => [r.msisdn, r.line])).toEqual([
      ['+79161234567', 1],
      ['+79162345678', 2],
      ['+79163456789', 5],
      ['+79031112233', 6],
    ]);
    expect(errorCount).toBe(0);
  });

  it('reads tab-separated files with Russian headers, mapping услуга→service and время→at', async () => {
    const { rows } = await read([fixture('tabs.tsv')], { paramColumns: ['service', 'at'] });
    expect(rows.map((r) => [r.msisdn, r.line, r.params])).toEqual([
      ['+79161234567', 2, { service: 'roaming', at: '2025-07-01T09:00:00+03:00' }],
      ['+79162345678', 3, {}],
      ['+79163456789', 4, { service: 'international' }],
    ]);
  });

  it('reads Excel\'s "Unicode text" export (UTF-16 LE with BOM, tabs) and ignores columns the command does not take', async () => {
    const { rows } = await read([fixture('unicode-text-utf16.txt')], { paramColumns: ['tariff'] });
    expect(rows.map((r) => [r.msisdn, r.line, r.params])).toEqual([
      ['+79161234567', 2, {}],
      ['+79162345678', 3, {}],
      ['+79163456789', 4, {}],
    ]);
  });

  it('reads UTF-16 BE with a BOM', async () => {
    const text = 'Телефон\tТариф\r\n8 916 123-45-67\tСмарт\r\n';
    const file = tmpFile('be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text, 'utf16be')]));
    const { rows } = await read([file], { paramColumns: ['tariff'] });
    expect(rows.map((r) => [r.msisdn, r.params])).toEqual([['+79161234567', { tariff: 'Смарт' }]]);
  });
});

describe('readTargets: messy.csv', () => {
  // messy.csv, CRLF between records:
  //   1  Name,Phone,Comment
  //   2  "Ivanov, Ivan",+7 916 123-45-67,...     +79161234567
  //   3  Petrova Anna,89162345678,"two-line     +79162345678 (the comment goes on to line 4, a bare LF)
  //   5  (blank)
  //   6  Sidorov,7.91612E+10,...                 invalid: Excel's exponent form
  //   7  "Kuznetsov, Oleg",8916123,...           invalid: too short
  //   8  Smirnova,,no phone                      invalid: empty cell
  //   9  ,,                                      skipped: only delimiters
  //  10  Ivanov again,79161234567,...            duplicate of line 2
  //  11  "Orlova, Maria","+7 (926) 555-66-77",   +79265556677 (the note goes on to line 13, CRLFs inside quotes)
  //  14  Popov,8 (903) 111-22-33,                +79031112233
  const file = fixture('messy.csv');

  it('refuses the whole file, listing lines 6, 7 and 8 with their reasons', async () => {
    const err = await readError([file]);
    expect(err.exitCode).toBe(2);
    expect(err.name).toBe('TargetsInputError');
    expect(err.errorCount).toBe(3);
    expect(err.errors.map(where)).toEqual([
      `${file}:6: "7.91612E+10" is a number Excel shortened to exponent form; format the column as text and export again`,
      `${file}:7: "8916123" is not a valid phone number`,
      `${file}:8: empty phone number`,
    ]);
    expect(err.errors.map((e) => e.value)).toEqual(['7.91612E+10', '8916123', '']);
    expect(err.message).toBe(
      [
        '3 rows have invalid numbers; nothing was sent (--skip-invalid sends the valid rows):',
        ...err.errors.map(where),
      ].join('\n'),
    );
  });

  it('with skipInvalid returns the valid rows, counting lines across quoted newlines, and the errors', async () => {
    const result = await read([file], { skipInvalid: true });
    expect(result.rows.map((r) => [r.msisdn, r.line])).toEqual([
      ['+79161234567', 2],
      ['+79162345678', 3],
      ['+79265556677', 11],
      ['+79031112233', 14],
    ]);
    expect(result.errors.map((e) => e.line)).toEqual([6, 7, 8]);
    expect(result.errorCount).toBe(3);
  });

  it('reports a number spelled two ways as one duplicate with both lines, and keeps the first', async () => {
    const { rows, duplicates } = await read([file], { skipInvalid: true });
    expect(duplicates).toEqual([{ msisdn: '+79161234567', lines: [`${file}:2`, `${file}:10`] }]);
    expect(rows.filter((r) => r.msisdn === '+79161234567')).toHaveLength(1);
  });
});

describe('readTargets: --column', () => {
  it('finds the column by name, whatever its case', async () => {
    const { rows } = await read([fixture('messy.csv')], { column: 'PHONE', skipInvalid: true });
    expect(rows).toHaveLength(4);
  });

  it('finds the column by its 1-based number', async () => {
    const file = tmpFile('by-number.csv', 'Who;Mobile;Office\nIvanov;89161234567;84951234567\n');
    expect((await read([file], { column: '2' })).rows.map((r) => r.msisdn)).toEqual(['+79161234567']);
    expect((await read([file], { column: '3' })).rows.map((r) => r.msisdn)).toEqual(['+74951234567']);
  });

  it('takes a named column over the one the header would suggest', async () => {
    const file = tmpFile('two-numbers.csv', 'phone,fax\n89161234567,84951234567\n');
    expect((await read([file], { column: 'fax' })).rows.map((r) => r.msisdn)).toEqual(['+74951234567']);
  });

  it('reads a headerless multi-column file by column number, from line 1', async () => {
    const file = tmpFile('headerless.csv', 'Ivanov;89161234567\nPetrov;89162345678\n');
    const { rows } = await read([file], { column: '2' });
    expect(rows.map((r) => [r.msisdn, r.line])).toEqual([
      ['+79161234567', 1],
      ['+79162345678', 2],
    ]);
  });

  it('refuses an unknown column name, listing the header', async () => {
    const file = fixture('messy.csv');
    const err = await readError([file], { column: 'Mobile' });
    expect(err.message).toBe(`${file}: no column "Mobile" (the header has: Name, Phone, Comment)`);
    expect(err.exitCode).toBe(2);
  });

  it('refuses a column number beyond the last column', async () => {
    const err = await readError([fixture('messy.csv')], { column: '7' });
    expect(err.message).toMatch(/--column 7 is out of range: the file has 3 columns/);
  });
});

describe('readTargets: headers and layout', () => {
  it('recognizes variants containing a number word, such as "MSISDN/номер" and "Телефон сотрудника"', async () => {
    const a = tmpFile('variant-a.csv', 'Отдел;MSISDN/номер\nПродажи;89161234567\n');
    const b = tmpFile('variant-b.csv', 'Сотрудник,Телефон сотрудника\nИванов,89162345678\n');
    expect((await read([a])).rows.map((r) => r.msisdn)).toEqual(['+79161234567']);
    expect((await read([b])).rows.map((r) => r.msisdn)).toEqual(['+79162345678']);
  });

  it('prefers "Номер телефона" to a column that only mentions "номер"', async () => {
    const file = tmpFile('contract.csv', 'Номер договора;Номер телефона\n12345;89161234567\n');
    expect((await read([file])).rows.map((r) => r.msisdn)).toEqual(['+79161234567']);
  });

  it('reads a multi-column file with no header: the number is in column 1 and there are no parameters', async () => {
    const file = tmpFile('no-header.csv', '89161234567;SMART\n89162345678;BASIC\n');
    const { rows } = await read([file], { paramColumns: ['tariff'] });
    expect(rows.map((r) => [r.msisdn, r.line, r.params])).toEqual([
      ['+79161234567', 1, {}],
      ['+79162345678', 2, {}],
    ]);
  });

  it('reports a bad number on line 1 of a headerless list instead of taking it for a header', async () => {
    const file = tmpFile('bad-first.txt', '8916123\n89162345678\n');
    const err = await readError([file]);
    expect(err.errors.map(where)).toEqual([`${file}:1: "8916123" is not a valid phone number`]);
  });

  it('takes a one-column header it does not know as a header', async () => {
    const file = tmpFile('list-header.txt', 'Сотрудники\n89161234567\n');
    expect((await read([file])).rows.map((r) => [r.msisdn, r.line])).toEqual([['+79161234567', 2]]);
  });

  it('refuses a multi-column file with no recognizable number column', async () => {
    const file = tmpFile('no-number.csv', 'Name;Comment\nIvanov;VIP\n');
    const err = await readError([file]);
    expect(err.message).toBe(
      `${file}: no phone number column in the header (Name, Comment); name it msisdn, phone or номер, or pass --column`,
    );
  });

  it('refuses a file whose quote is never closed, naming the line where the broken field starts', async () => {
    const file = tmpFile('unclosed.csv', 'phone,comment\n89161234567,ok\n89162345678,"oops\n89163456789,x\n');
    const err = await readError([file], { skipInvalid: true });
    expect(err.message).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: a quoted field is never closed`),
    );
  });

  it('accepts an empty file and a header-only file as no numbers', async () => {
    const empty = tmpFile('empty.csv', '');
    const headerOnly = tmpFile('header-only.csv', 'msisdn;tariff\r\n');
    expect((await read([empty, headerOnly])).rows).toEqual([]);
  });
});

describe('readTargets: encodings', () => {
  it('takes a UTF-8 file for UTF-8 even when the 64 KB sample ends inside a Cyrillic letter', async () => {
    // 'Ж' is two bytes; an odd-length prefix puts byte 65536 in the middle of one.
    const filler = `msisdn;group\n89161234567;${'Ж'.repeat(40000)}\n`;
    expect(Buffer.byteLength(filler.slice(0, 13 + 12)) % 2).toBe(1);
    const file = tmpFile('boundary.csv', `${filler}89162345678;Отдел продаж\n`);
    const { rows } = await read([file], { paramColumns: ['group'] });
    expect(rows.map((r) => r.params.group?.slice(0, 12))).toEqual(['ЖЖЖЖЖЖЖЖЖЖЖЖ', 'Отдел продаж']);
  });

  it('tells a UTF-8 sample cut mid-character from Windows-1251 only when more bytes may follow', () => {
    const cut = Buffer.from('номер', 'utf8').subarray(0, 3);
    expect(detectEncoding(cut, false).encoding).toBe('utf8');
    expect(detectEncoding(cut, true).encoding).toBe('win1251');
    expect(detectEncoding(iconv.encode('номер', 'win1251'), false).encoding).toBe('win1251');
    expect(SAMPLE_BYTES).toBe(65536);
  });
});

describe('readTargets: sources', () => {
  it("reads stdin for '-', naming it stdin in messages", async () => {
    const stdin = Readable.from([
      iconv.encode('Телефон;Тариф\r\n8 916 123-45-67;Смарт\r\n8916123;x\r\n', 'win1251'),
    ]);
    const err = await readTargets([], ['-'], { t: en }, stdin).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetsInputError);
    expect((err as TargetsInputError).errors.map(where)).toEqual([
      'stdin:3: "8916123" is not a valid phone number',
    ]);

    const again = Readable.from([Buffer.from('89161234567\n')]);
    expect((await readTargets([], ['-'], { t: en }, again)).rows).toEqual([
      { msisdn: '+79161234567', line: 1, source: 'stdin', params: {} },
    ]);
  });

  it('puts positional numbers first and de-duplicates them against the file', async () => {
    const file = fixture('utf8-bom.csv');
    const { rows, duplicates } = await read([file], {}, ['8 916 999-88-77', '+7 916 123 45 67']);
    expect(rows.map((r) => `${r.source}:${r.line} ${r.msisdn}`)).toEqual([
      'argv:1 +79169998877',
      'argv:2 +79161234567',
      `${file}:3 +79162345678`,
      `${file}:4 +79163456789`,
      `${file}:5 +79031112233`,
      `${file}:6 +79265556677`,
    ]);
    expect(duplicates).toEqual([{ msisdn: '+79161234567', lines: ['argv:2', `${file}:2`] }]);
  });

  it('validates positional numbers too, by their position', async () => {
    const err = await readError([], {}, ['89161234567', '8916123']);
    expect(err.errors.map(where)).toEqual(['argv:2: "8916123" is not a valid phone number']);
  });

  it('refuses a file it cannot read', async () => {
    const err = await readError(['numbers.csv']);
    expect(err.message).toMatch(/^Cannot read numbers\.csv: ENOENT/);
    expect(err.exitCode).toBe(2);
  });
});

describe('readTargets: many errors', () => {
  const bad = Array.from({ length: 120 }, (_, i) => `8916${String(i).padStart(3, '0')}`);
  const file = tmpFile('many-bad.txt', ['msisdn', ...bad, '89161234567'].join('\n'));

  it('lists the first 50 errors, then "… and N more"', async () => {
    const err = await readError([file]);
    const lines = err.message.split('\n');
    expect(lines[0]).toBe(
      '120 rows have invalid numbers; nothing was sent (--skip-invalid sends the valid rows):',
    );
    expect(lines.slice(1, 51)).toEqual(
      bad.slice(0, 50).map((n, i) => `${file}:${i + 2}: "${n}" is not a valid phone number`),
    );
    expect(lines[51]).toBe('… and 70 more');
    expect(lines).toHaveLength(52);
    expect(err.errorCount).toBe(120);
    expect(err.errors).toHaveLength(120);
  });

  it('lists maxReportedErrors of them when asked', async () => {
    const err = await readError([file], { maxReportedErrors: 5 });
    expect(err.message.split('\n').slice(-2)).toEqual([
      `${file}:6: "8916004" is not a valid phone number`,
      '… and 115 more',
    ]);
  });
});

describe('streamTargets', () => {
  it('yields valid rows as it goes, repeats too (the change tells them apart), and leaves errors in the sink', async () => {
    const sink = { errors: [] as RowError[], errorCount: 0 };
    const rows = [];
    for await (const row of streamTargets(fixture('messy.csv'), { t: en }, noStdin, sink))
      rows.push(row.line);
    expect(rows).toEqual([2, 3, 10, 11, 14]);
    expect(sink.errors.map((e) => e.line)).toEqual([6, 7, 8]);
    expect(sink.errorCount).toBe(3);
  });

  it('still throws for an unreadable file', async () => {
    const sink = { errors: [] as RowError[], errorCount: 0 };
    const gen = streamTargets(path.join(tmp, 'nope.csv'), { t: en }, noStdin, sink);
    await expect(gen.next()).rejects.toThrow(/^Cannot read .*nope\.csv: ENOENT/);
  });

  // Live heap after a full GC, not RSS: a jest worker's RSS also grows with allocator arenas and garbage
  // not yet collected, which made this flaky under load. What is still reachable is what a leak would show.
  it('streams a 1,000,000-line file with per-row values through the repeat check keeping less than 60 MB alive', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run with NODE_OPTIONS=--expose-gc (npm test does)');
    const live = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers; // the set of numbers seen lives in typed arrays
    };
    const file = path.join(tmp, 'million.csv');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, 'msisdn;tariff\n');
    for (let block = 0; block < 100; block++) {
      let chunk = '';
      for (let i = block * 10_000; i < (block + 1) * 10_000; i++)
        chunk += `7916${String(i).padStart(7, '0')};${i % 2 ? 'SMART' : 'UNLIM'}\n`;
      fs.writeSync(fd, chunk);
    }
    fs.closeSync(fd);

    const before = live();
    let peak = before;
    let count = 0;
    const sink = { errors: [] as RowError[], errorCount: 0 };
    // As a change reads it: every row's number and values kept until the second pass.
    const repeats = new RepeatCheck([file]);
    for await (const row of streamTargets(file, { paramColumns: ['tariff'], t: en }, noStdin, sink)) {
      if (repeats.take(row, 0, row.params).kind !== 'first') throw new Error(`line ${row.line} is no repeat`);
      count++;
      if (count % 100_000 === 0) peak = Math.max(peak, live());
      if (count === 1_000_000) expect(row).toMatchObject({ msisdn: '+79160999999', line: 1_000_001 });
    }
    expect(count).toBe(1_000_000);
    expect(sink.errorCount).toBe(0);
    expect(repeats.sends('+79160999999' as Msisdn, 0, 1_000_001)).toBe(true);
    expect((peak - before) / 2 ** 20).toBeLessThan(60);
    // A memory test, not a timed one: ten full collections over a million rows take 30-50 s on a busy machine.
  }, 240_000);
});

describe('RepeatCheck', () => {
  const row = (msisdn: string, source: string, line: number, params: Record<string, string> = {}) =>
    ({ msisdn, source, line, params }) as TargetRow;

  it('sends the first row of a number, counts repeats with their places and flags other values', () => {
    const check = new RepeatCheck(['argv', 'a.csv', 'b.csv']);
    expect(check.take(row('+79161234567', 'argv', 1), 0, {})).toEqual({ kind: 'first' });
    expect(check.take(row('+79161234568', 'a.csv', 2), 1, { tariff: 'UNLIM' })).toEqual({ kind: 'first' });
    expect(check.take(row('+79161234567', 'a.csv', 3), 1, {})).toEqual({ kind: 'repeat' });
    expect(check.take(row('+79161234567', 'b.csv', 9), 2, {})).toEqual({ kind: 'repeat' });
    expect(check.take(row('+79161234568', 'b.csv', 4), 2, { tariff: 'SMART' })).toEqual({
      kind: 'conflict',
      first: 'a.csv:2',
    });
    expect(check.exact()).toEqual({ count: 1, shown: [['argv:1', 'a.csv:3', 'b.csv:9']] });
    expect(check.sends('+79161234567' as Msisdn, 0, 1)).toBe(true);
    expect(check.sends('+79161234567' as Msisdn, 1, 3)).toBe(false);
    // Neither row of a conflicting number is sent.
    expect(check.sends('+79161234568' as Msisdn, 1, 2)).toBe(false);
    expect(check.takeSelected('+79161234567' as Msisdn, 3, 1)).toBe(false);
    expect(check.takeSelected('+79161234569' as Msisdn, 3, 2)).toBe(true);
    expect(check.sends('+79161234569' as Msisdn, 3, 2)).toBe(true);
  });
});

describe('MsisdnSet', () => {
  it("keeps each number's first place and tag across growth", () => {
    const set = new MsisdnSet();
    const numbers = Array.from(
      { length: 50_000 },
      (_, i) => `+7916${String(i * 13).padStart(7, '0')}` as Msisdn,
    );
    numbers.forEach((n, i) => expect(set.addRow(n, i + 1, i % 3)).toBe(-1));
    numbers.forEach((n, i) => {
      const slot = set.addRow(n, 999, 7);
      expect([set.placeAt(slot), set.tagAt(slot)]).toEqual([i + 1, i % 3]);
    });
    expect(set.find('+79990000000' as Msisdn)).toBe(-1);
  });

  it('tells new numbers from repeated ones across growth, for Russian and foreign numbers alike', () => {
    const set = new MsisdnSet();
    const numbers = Array.from(
      { length: 100_000 },
      (_, i) => `+7916${String(i * 7).padStart(7, '0')}` as Msisdn,
    );
    numbers.push('+442079460958' as Msisdn, '+12025550123' as Msisdn);
    expect(numbers.every((n) => set.add(n))).toBe(true);
    expect(numbers.some((n) => set.add(n))).toBe(false);
    expect(set.add('+79160000001' as Msisdn)).toBe(true);
    expect(set.size).toBe(numbers.length + 1);
  });
});
