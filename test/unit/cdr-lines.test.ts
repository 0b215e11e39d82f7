import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';

import { CdrLinesRepo, cdrLineSql, typedTextCheck } from '../../src/backend/store/cdr-lines.js';
import { escapeTsv } from '../../src/cli/output/cells.js';
import { CDR_FIELDS } from '../../src/domain/cdr.js';
import { exportLayout, type RecordFormat } from '../../src/domain/record-format.js';

/** One stored record and what each export must show of it. */
interface Row {
  msisdn: string;
  started_at: string;
  kind: string;
  direction: string | null;
  peer: string;
  peer_name: string | null;
  location: string;
  seconds: number;
  bytes: number;
  cost: number;
  /** The cost as CSV/TSV show it (dot; Excel gets a comma instead). */
  money: string;
}

const ROWS: Row[] = [
  {
    msisdn: '79160000001',
    started_at: '2026-11-04T05:01:00.000Z',
    kind: 'call',
    direction: 'out',
    peer: '+74951234567',
    peer_name: 'ООО «Ромашка», приёмная',
    location: 'Москва',
    seconds: 125,
    bytes: 0,
    cost: 123456,
    money: '1234.56',
  },
  {
    msisdn: '79160000001',
    started_at: '2026-11-04T06:00:00.000Z',
    kind: 'call',
    direction: 'in',
    peer: '+79165554433',
    peer_name: 'Клиент "Лютик" & Co',
    location: 'Москва',
    seconds: 7,
    bytes: 0,
    cost: 5,
    money: '0.05',
  },
  {
    msisdn: '79160000001',
    started_at: '2026-11-04T07:00:00.000Z',
    kind: 'sms',
    direction: 'out',
    peer: '900',
    peer_name: 'first line\nsecond line',
    location: 'Санкт-Петербург',
    seconds: 0,
    bytes: 0,
    cost: 0,
    money: '0.00',
  },
  {
    msisdn: '79160000001',
    started_at: '2026-11-04T08:00:00.000Z',
    kind: 'call',
    direction: 'out',
    peer: '+79219876543',
    peer_name: 'C:\\temp\\new\tfile',
    location: 'Казань',
    seconds: 60,
    bytes: 0,
    cost: -250,
    money: '-2.50',
  },
  {
    msisdn: '79160000001',
    started_at: '2026-11-04T09:00:00.000Z',
    kind: 'data',
    direction: null,
    peer: 'internet',
    peer_name: null,
    location: 'Турция',
    seconds: 0,
    bytes: 123456789,
    cost: -5,
    money: '-0.05',
  },
  {
    msisdn: '79160000002',
    started_at: '2026-11-04T10:00:00.000Z',
    kind: 'call',
    direction: 'out',
    peer: '+78127654321',
    peer_name: 'Склад; Северный\r\nворота 2',
    location: 'Екатеринбург',
    seconds: 3600,
    bytes: 0,
    cost: 100,
    money: '1.00',
  },
  {
    msisdn: '79160000002',
    started_at: '2026-11-04T11:00:00.000Z',
    kind: 'sms',
    direction: 'in',
    peer: 'Gosuslugi',
    peer_name: 'старый\rMac',
    location: 'Новосибирск',
    seconds: 0,
    bytes: 0,
    cost: 99999,
    money: '999.99',
  },
];

/** The field → stored value of a row, as the export shows it before escaping (null stays null). */
function value(row: Row, field: string): string | number | null {
  const byField: Record<string, string | number | null> = {
    number: row.msisdn,
    time: row.started_at,
    kind: row.kind,
    direction: row.direction,
    peer: row.peer,
    peerName: row.peer_name,
    location: row.location,
    seconds: row.seconds,
    bytes: row.bytes,
    cost: row.cost,
  };
  return byField[field] as string | number | null;
}

/** The text of a CSV/TSV cell before quoting or escaping. */
function cellText(row: Row, field: string, excel: boolean): string {
  if (field === 'cost') return excel ? row.money.replace('.', ',') : row.money;
  const v = value(row, field);
  return v === null ? '' : String(v);
}

let db: Database.Database;

beforeAll(() => {
  db = new Database(':memory:');
  // As in src/backend/store/migrations.ts, version 7.
  db.exec(`CREATE TABLE cdr (
  msisdn TEXT NOT NULL, started_at TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, direction TEXT,
  peer TEXT NOT NULL, peer_name TEXT, location TEXT NOT NULL, seconds INTEGER NOT NULL, bytes INTEGER NOT NULL,
  cost INTEGER NOT NULL, PRIMARY KEY (msisdn, started_at, seq)
) WITHOUT ROWID;`);
  const insert = db.prepare(
    `INSERT INTO cdr (msisdn, started_at, seq, kind, direction, peer, peer_name, location, seconds, bytes, cost)
     VALUES (@msisdn, @started_at, @seq, @kind, @direction, @peer, @peer_name, @location, @seconds, @bytes, @cost)`,
  );
  db.transaction(() => {
    ROWS.forEach(({ money: _money, ...r }, seq) => insert.run({ ...r, seq }));
  })();
});

afterAll(() => db.close());

/** Each stored record rendered by the expression and cut at its line end, as the billing store does. */
function lines(fields: readonly string[], format: RecordFormat, excel = false): string[] {
  return db
    .prepare<[], string>(
      `SELECT ${cdrLineSql(fields, format, excel)} || char(10) FROM cdr ORDER BY msisdn, started_at, seq`,
    )
    .pluck()
    .all()
    .map((line) => {
      expect(line.endsWith('\n')).toBe(true);
      return line.slice(0, -1);
    });
}

describe('cdrLineSql as CSV', () => {
  it('parses back to exactly the stored values, money as 1234.56', () => {
    const out = lines(CDR_FIELDS, 'csv');
    expect(out).toHaveLength(ROWS.length);
    const parsed: string[][] = parse(out.join('\n'));
    expect(parsed).toEqual(ROWS.map((r) => CDR_FIELDS.map((f) => cellText(r, f, false))));
    expect(parsed.map((p) => p[9])).toEqual(['1234.56', '0.05', '0.00', '-2.50', '-0.05', '1.00', '999.99']);
  });

  it('quotes only a field holding a comma, a quote or a line break', () => {
    const out = lines(['peerName', 'location'], 'csv');
    expect(out).toEqual([
      '"ООО «Ромашка», приёмная",Москва',
      '"Клиент ""Лютик"" & Co",Москва',
      '"first line\nsecond line",Санкт-Петербург',
      'C:\\temp\\new\tfile,Казань',
      ',Турция',
      '"Склад; Северный\r\nворота 2",Екатеринбург',
      '"старый\rMac",Новосибирск',
    ]);
  });

  it('writes a NULL as an empty field', () => {
    const [, , , , dataLine] = lines(['direction', 'peer', 'peerName', 'cost'], 'csv');
    expect(dataLine).toBe(',internet,,-0.05');
  });
});

describe('cdrLineSql as CSV for Excel', () => {
  it('separates with ";" and writes money with a decimal comma', () => {
    const out = lines(CDR_FIELDS, 'csv', true);
    const parsed: string[][] = parse(out.join('\r\n'), { delimiter: ';' });
    expect(parsed).toEqual(ROWS.map((r) => CDR_FIELDS.map((f) => cellText(r, f, true))));
    expect(parsed.map((p) => p[9])).toEqual(['1234,56', '0,05', '0,00', '-2,50', '-0,05', '1,00', '999,99']);
  });

  it('quotes a field holding ";" but not one holding only a comma', () => {
    const out = lines(['peerName', 'cost'], 'csv', true);
    expect(out[0]).toBe('ООО «Ромашка», приёмная;1234,56');
    expect(out[5]).toBe('"Склад; Северный\r\nворота 2";1,00');
  });
});

describe('cdrLineSql as TSV', () => {
  it('escapes backslash, tab, CR and LF as \\\\ \\t \\r \\n', () => {
    const out = lines(['peerName'], 'tsv');
    expect(out).toEqual([
      'ООО «Ромашка», приёмная',
      'Клиент "Лютик" & Co',
      'first line\\nsecond line',
      'C:\\\\temp\\\\new\\tfile',
      '',
      'Склад; Северный\\r\\nворота 2',
      'старый\\rMac',
    ]);
  });

  it('never puts a raw tab, CR or LF inside a field', () => {
    for (const line of lines(CDR_FIELDS, 'tsv')) {
      expect(line).not.toMatch(/[\r\n]/);
      expect(line.split('\t')).toHaveLength(CDR_FIELDS.length);
    }
  });

  it('unescapes back to exactly the stored values, money as 1234.56 and NULL as empty', () => {
    const unescape = (cell: string) =>
      cell.replace(
        /\\([\\trn])/g,
        (_, c: string) => ({ '\\': '\\', t: '\t', r: '\r', n: '\n' })[c] as string,
      );
    const cells = lines(CDR_FIELDS, 'tsv').map((line) => line.split('\t').map(unescape));
    expect(cells).toEqual(ROWS.map((r) => CDR_FIELDS.map((f) => cellText(r, f, false))));
  });

  it('writes the same lines as the CLI writes TSV (escapeTsv)', () => {
    const expected = ROWS.map((r) => CDR_FIELDS.map((f) => escapeTsv(cellText(r, f, false))).join('\t'));
    expect(lines(CDR_FIELDS, 'tsv')).toEqual(expected);
  });
});

describe('cdrLineSql as JSON lines', () => {
  it('gives objects with exactly the fields in order, raw values and null for NULL', () => {
    const out = lines(CDR_FIELDS, 'jsonl');
    for (const line of out) expect(line).not.toMatch(/[\r\n]/);
    const objects = out.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const o of objects) expect(Object.keys(o)).toEqual([...CDR_FIELDS]);
    expect(objects).toEqual(ROWS.map((r) => Object.fromEntries(CDR_FIELDS.map((f) => [f, value(r, f)]))));
    expect(objects[4]).toMatchObject({ direction: null, peerName: null, cost: -5 });
  });
});

describe('cdrLineSql field selection', () => {
  it.each<RecordFormat>(['csv', 'tsv'])('keeps the chosen fields in the chosen order (%s)', (format) => {
    expect(lines(['cost', 'number'], format)).toEqual(
      ROWS.map((r) => [r.money, r.msisdn].join(format === 'tsv' ? '\t' : ',')),
    );
  });

  it('keeps the chosen fields in the chosen order (jsonl)', () => {
    const objects = lines(['cost', 'number'], 'jsonl').map((l) => JSON.parse(l) as object);
    expect(objects.map((o) => Object.keys(o))).toEqual(ROWS.map(() => ['cost', 'number']));
    expect(objects[0]).toEqual({ cost: 123456, number: '79160000001' });
  });

  it('renders a single field without a separator', () => {
    expect(lines(['seconds'], 'csv')).toEqual(ROWS.map((r) => String(r.seconds)));
  });

  it.each<[RecordFormat, boolean]>([
    ['csv', false],
    ['csv', true],
    ['tsv', false],
    ['jsonl', false],
  ])('refuses an unknown field (%s, excel %s)', (format, excel) => {
    expect(() => cdrLineSql(['number', 'msisdn'], format, excel)).toThrow(RangeError);
    expect(() => cdrLineSql(['number', 'msisdn'], format, excel)).toThrow('unknown record field msisdn');
  });
});

describe('exportLayout', () => {
  const fields = ['number', 'time', 'cost'];

  it('CSV: a header line, LF, no BOM', () => {
    expect(exportLayout('csv', fields)).toEqual({
      format: 'csv',
      fields,
      excel: false,
      rawCsv: false,
      contentType: 'text/csv; charset=utf-8',
      head: 'number,time,cost\n',
      eol: '\n',
    });
  });

  it('CSV for Excel: a BOM, ";" and CRLF', () => {
    expect(exportLayout('csv', fields, true)).toEqual({
      format: 'csv',
      fields,
      excel: true,
      rawCsv: false,
      contentType: 'text/csv; charset=utf-8',
      head: '\uFEFFnumber;time;cost\r\n',
      eol: '\r\n',
    });
  });

  it('TSV: a tab-separated header and LF, with or without excel', () => {
    const tsv = {
      format: 'tsv',
      fields,
      excel: false,
      rawCsv: false,
      contentType: 'text/tab-separated-values; charset=utf-8',
      head: 'number\ttime\tcost\n',
      eol: '\n',
    };
    expect(exportLayout('tsv', fields)).toEqual(tsv);
    expect(exportLayout('tsv', fields, true)).toEqual(tsv);
  });

  it('JSON lines: nothing before the first record, with or without excel', () => {
    const jsonl = {
      format: 'jsonl',
      fields,
      excel: false,
      rawCsv: false,
      contentType: 'application/x-ndjson; charset=utf-8',
      head: '',
      eol: '\n',
    };
    expect(exportLayout('jsonl', fields)).toEqual(jsonl);
    expect(exportLayout('jsonl', fields, true)).toEqual(jsonl);
  });

  it('heads the full record export with every field in column order', () => {
    expect(exportLayout('csv', CDR_FIELDS).head).toBe(
      'number,time,kind,direction,peer,peerName,location,seconds,bytes,cost\n',
    );
  });
});

describe('CdrLinesRepo.reader', () => {
  let store: Database.Database;
  const FROM = '2026-11-04T00:00:00.000Z';
  const TO = '2026-11-05T00:00:00.000Z';
  /** A number whose typed values are all plain, and one whose typed values need quoting or escaping. */
  const PLAIN = '79160000001';
  const ODD = '79160000009';

  beforeAll(() => {
    store = new Database(':memory:');
    store.exec(`CREATE TABLE cdr (
  msisdn TEXT NOT NULL, started_at TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, direction TEXT,
  peer TEXT NOT NULL, peer_name TEXT, location TEXT NOT NULL, seconds INTEGER NOT NULL, bytes INTEGER NOT NULL,
  cost INTEGER NOT NULL, PRIMARY KEY (msisdn, started_at, seq)
) WITHOUT ROWID;`);
    const insert = store.prepare(
      `INSERT INTO cdr (msisdn, started_at, seq, kind, direction, peer, peer_name, location, seconds, bytes, cost)
       VALUES (@msisdn, @started_at, @seq, @kind, @direction, @peer, @peer_name, @location, @seconds, @bytes, @cost)`,
    );
    // Stored out of order, on purpose: the reader must still give them by time, then seq.
    const rows = [...ROWS]
      .reverse()
      .map(({ money: _money, ...r }, i) => ({ ...r, msisdn: PLAIN, seq: i % 2 }));
    rows.push({ ...rows[0], started_at: '2026-11-03T23:59:59.999Z' }, { ...rows[0], started_at: TO });
    rows.push(
      { ...rows[1], msisdn: ODD, peer: 'Acme, Inc', seq: 0 },
      { ...rows[2], msisdn: ODD, kind: 'sm"s', direction: 'in\r\nout', seq: 0 },
      { ...rows[3], msisdn: ODD, peer: 'C:\\peer\twith tab', peer_name: 'Иван', seq: 0 },
    );
    store.transaction(() => rows.forEach((r) => insert.run(r)))();
  });

  afterAll(() => store.close());

  /** What cdrLineSql with every field checked gives for a number, by time and seq. */
  function expected(msisdn: string, layout: ReturnType<typeof exportLayout>): string {
    return store
      .prepare<[string, string, string], string>(
        `SELECT ${cdrLineSql(layout.fields, layout.format, layout.excel, layout.rawCsv)} FROM cdr
          WHERE msisdn = ? AND started_at >= ? AND started_at < ? ORDER BY started_at, seq`,
      )
      .pluck()
      .all(msisdn, FROM, TO)
      .map((line) => line + layout.eol)
      .join('');
  }

  const layouts: [string, ReturnType<typeof exportLayout>][] = [
    ['CSV', exportLayout('csv', CDR_FIELDS)],
    ['CSV for Excel', exportLayout('csv', CDR_FIELDS, true)],
    ['raw CSV', exportLayout('csv', CDR_FIELDS, false, true)],
    ['TSV', exportLayout('tsv', CDR_FIELDS)],
    ['JSON lines', exportLayout('jsonl', CDR_FIELDS)],
    ['CSV of peer and time only', exportLayout('csv', ['peer', 'time'])],
    ['CSV without typed text', exportLayout('csv', ['cost', 'peerName'])],
  ];

  it.each(layouts)('writes plain typed values as every field checked would (%s)', (_name, layout) => {
    const text = new CdrLinesRepo(store).reader(layout)(PLAIN, FROM, TO);
    expect(text).toBe(expected(PLAIN, layout));
    expect(text?.endsWith(layout.eol)).toBe(true);
  });

  it.each(layouts)('quotes or escapes typed values that need it (%s)', (_name, layout) => {
    expect(new CdrLinesRepo(store).reader(layout)(ODD, FROM, TO)).toBe(expected(ODD, layout));
  });

  it('really meets such values: unchecked, they would break the CSV and the TSV', () => {
    const csv = exportLayout('csv', CDR_FIELDS);
    const text = new CdrLinesRepo(store).reader(csv)(ODD, FROM, TO) as string;
    expect(text).toContain('"Acme, Inc"');
    expect(text).toContain('"sm""s","in\r\nout"');
    expect(parse(text)).toHaveLength(3);
    const tsv = new CdrLinesRepo(store).reader(exportLayout('tsv', CDR_FIELDS))(ODD, FROM, TO) as string;
    expect(tsv).toContain('C:\\\\peer\\twith tab');
    expect(tsv).toContain('in\\r\\nout');
    expect(tsv.trimEnd().split('\n')).toHaveLength(3);
  });

  it('gives the records by time and seq, whatever order they were stored in', () => {
    const text = new CdrLinesRepo(store).reader(exportLayout('csv', ['time', 'seconds']))(PLAIN, FROM, TO);
    const times = (text as string)
      .trimEnd()
      .split('\n')
      .map((l) => l.split(',')[0] as string);
    expect(times).toEqual([...times].sort());
    expect(times).toEqual(ROWS.map((r) => r.started_at));
  });

  it('keeps to [from, to) and gives null for a number without records there', () => {
    const read = new CdrLinesRepo(store).reader(exportLayout('csv', ['time']));
    expect(read(PLAIN, FROM, TO)).not.toContain('2026-11-03T23:59:59.999Z');
    expect(read(PLAIN, FROM, TO)).not.toContain(TO);
    expect(read('79160000002', FROM, TO)).toBeNull();
    expect(read(PLAIN, '2026-12-01T00:00:00.000Z', '2026-12-02T00:00:00.000Z')).toBeNull();
  });
});

describe('typedTextCheck', () => {
  const holds = (format: RecordFormat, excel: boolean, value: string): boolean => {
    const check = typedTextCheck(['number', 'time'], format, excel);
    if (!check) throw new Error('no check');
    return check.holdsSpecial(`+79160000001${value}2026-11-04T05:01:00.000Z`);
  };

  it('joins the typed values of a record in SQL, NULL as empty', () => {
    const check = typedTextCheck(['peerName', 'direction', 'cost', 'peer', 'number'], 'csv', false);
    expect(
      db.prepare<[], string>(`SELECT ${check?.text} FROM cdr WHERE peer = 'internet'`).pluck().get(),
    ).toBe('internet79160000001');
  });

  it.each(['a,b', 'a"b', 'a\nb', 'a\rb'])('finds %j in CSV', (value) => {
    expect(holds('csv', false, value)).toBe(true);
  });

  it('finds ";" for Excel, where a comma needs no quotes', () => {
    expect(holds('csv', true, 'a;b')).toBe(true);
    expect(holds('csv', true, 'a,b')).toBe(false);
  });

  it.each(['a\\b', 'a\tb', 'a\nb', 'a\rb'])('finds %j in TSV', (value) => {
    expect(holds('tsv', false, value)).toBe(true);
  });

  it('passes plain typed values', () => {
    for (const value of ['+79161234567', '2026-11-04T05:01:00.000Z', 'roaming', 'Gosuslugi'])
      for (const [format, excel] of [
        ['csv', false],
        ['csv', true],
        ['tsv', false],
      ] as const)
        expect(holds(format, excel, value)).toBe(false);
  });

  it('has nothing to check in JSON lines or without typed text fields', () => {
    expect(typedTextCheck(CDR_FIELDS, 'jsonl', false)).toBeNull();
    expect(typedTextCheck(['peerName', 'location', 'seconds', 'bytes', 'cost'], 'csv', false)).toBeNull();
  });
});
