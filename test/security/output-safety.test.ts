import path from 'node:path';
/**
 * What vm writes must be safe to open and to look at: free text (names, subjects, e-mails) typed by
 * anyone must not become a formula in a spreadsheet opening a --csv/--excel export, and must not
 * drive a terminal (ESC sequences, CR overwriting a line, bidi overrides reordering it).
 */
import { Writable } from 'node:stream';

import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';

import type { ApiToken, User } from '../../src/api/auth.js';
import type { Appeal } from '../../src/api/appeals.js';
import { ApiError } from '../../src/api/errors.js';
import type { Group, Line } from '../../src/api/lines.js';
import type { PlanItem } from '../../src/api/operations.js';
import { cdrLineSql } from '../../src/backend/store/cdr-lines.js';
import { describeError } from '../../src/cli/errors.js';
import { formatRowErrors } from '../../src/cli/input/input-error.js';
import { HELP_TOPICS, helpTopic } from '../../src/cli/help-topics.js';
import { translator } from '../../src/cli/i18n/catalogs.js';
import {
  chooseFormat,
  renderObject,
  renderRows,
  renderTree,
  type Column,
  type OutputFormat,
  type RenderOptions,
} from '../../src/cli/output/render.js';
import { exportLayout } from '../../src/domain/record-format.js';
import { adminBackend } from '../support/admin-backend.js';
import { parseJson } from '../support/run-vm.js';

class Collector extends Writable {
  text = '';
  override _write(chunk: unknown, _enc: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

interface Person {
  id: number;
  name: string;
  phone: string;
  balance: number;
  delta: number;
  since: string;
  files: string[];
}

const COLUMNS: Column<Person>[] = [
  { key: 'id', header: 'Id', kind: 'number' },
  { key: 'name', header: 'Name', freeText: true },
  { key: 'phone', header: 'Phone' },
  { key: 'balance', header: 'Balance', kind: 'money' },
  { key: 'delta', header: 'Delta', kind: 'number' },
  { key: 'since', header: 'Since', kind: 'time' },
  { key: 'files', header: 'Files', kind: 'list', freeText: true },
];

const person = (name: string, files: string[] = []): Person => ({
  id: -7,
  name,
  phone: '+79161234567',
  balance: -15000,
  delta: -3,
  since: '2026-11-01T10:00:00Z',
  files,
});

const FORMULAS = ['=1+2', '+SUM(1,2)', '-2+3+cmd|" /C calc"!A0', '@SUM(1)', '\t=1', '\r=1'];

async function render(
  format: OutputFormat,
  rows: Person[],
  more: Partial<RenderOptions> = {},
  columns: Column<Person>[] = COLUMNS,
): Promise<string> {
  const out = new Collector();
  await renderRows(rows, columns, { format, color: false, lang: 'en', ...more }, out);
  return out.text;
}

describe('CSV exports open safely in a spreadsheet', () => {
  it.each(FORMULAS)('puts a quote before free text starting like a formula: %j', async (name) => {
    const text = await render('csv', [person(name)]);
    const [record] = parse(text, { columns: true }) as Record<string, string>[];
    expect(record?.name).toBe(`'${name}`);
  });

  it('writes the exact CSV line, quoting after the prefix', async () => {
    const text = await render('csv', [person('=HYPERLINK("http://x","y")', ['@evil.txt', 'ok.txt'])]);
    expect(text.split('\n')[1]).toBe(
      `-7,"'=HYPERLINK(""http://x"",""y"")",+79161234567,-150.00,-3,2026-11-01T10:00:00Z,"'@evil.txt,ok.txt"`,
    );
  });

  it('does the same for Russian Excel', async () => {
    const text = await render('csv', [person('-2+3')], { excel: true });
    expect(text.split('\r\n')[1]).toBe(`-7;'-2+3;+79161234567;-150,00;-3;2026-11-01T10:00:00Z;`);
  });

  it('leaves typed fields alone: +7 numbers, negative money and counts, times, ids', async () => {
    const text = await render('csv', [person('Ольга')]);
    expect(text).toBe(
      'id,name,phone,balance,delta,since,files\n-7,Ольга,+79161234567,-150.00,-3,2026-11-01T10:00:00Z,\n',
    );
  });

  it('leaves free text that does not start like a formula alone', async () => {
    const text = await render('csv', [person('Ivan -2+3 = @x')]);
    expect(text.split('\n')[1]).toContain(',Ivan -2+3 = @x,');
  });

  it('leaves a number in a free-text column alone (a report total)', async () => {
    const row = { ...person('x'), name: -5 as unknown as string };
    expect((await render('csv', [row])).split('\n')[1]).toMatch(/^-7,-5,/);
  });

  it('treats a --fields name that is not a column as free text', async () => {
    const row = { ...person('x'), note: '=1+2' } as Person;
    const text = await render('csv', [row], { fields: ['note', 'phone'] });
    expect(text).toBe("note,phone\n'=1+2,+79161234567\n");
  });

  it('writes cells exactly with rawCsv (--raw-csv)', async () => {
    const text = await render('csv', [person('=1+2', ['@a'])], { rawCsv: true });
    expect(text.split('\n')[1]).toBe('-7,=1+2,+79161234567,-150.00,-3,2026-11-01T10:00:00Z,@a');
  });

  it('neutralizes a single item (vm users show --csv) too', async () => {
    const out = new Collector();
    await renderObject(person('@SUM(1)'), COLUMNS, { format: 'csv', color: false, lang: 'en' }, out);
    expect(out.text.split('\n')[1]).toMatch(/^-7,'@SUM\(1\),\+79161234567,/);
  });

  it('keeps JSON, JSON lines and TSV exact', async () => {
    const rows = [person('=1+2', ['@a'])];
    expect(JSON.parse(await render('json', rows))).toEqual(rows);
    expect(JSON.parse(await render('jsonl', rows))).toEqual(rows[0]);
    expect((await render('tsv', rows)).split('\n')[1]).toBe(
      '-7\t=1+2\t+79161234567\t-150.00\t-3\t2026-11-01T10:00:00Z\t@a',
    );
  });

  it('makes --raw-csv alone mean CSV, like --excel', () => {
    expect(chooseFormat({ rawCsv: true }, true)).toBe('csv');
    expect(chooseFormat({ rawCsv: true, output: 'tsv' }, true)).toBe('tsv');
  });
});

describe('control characters never reach a terminal raw', () => {
  const EVIL = 'a\u001b[2Jb\u0007c\rd\ne\tf\u202eg\u2066h\u200fi\u009bj\u007fk';
  const SHOWN = 'a\\u001b[2Jb\\u0007c\\rd\\ne\\tf\\u202eg\\u2066h\\u200fi\\u009bj\\u007fk';

  it('escapes them visibly in a table cell', async () => {
    const text = await render('table', [person(EVIL)]);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain(SHOWN);
  });

  it('escapes them in a single-item view', async () => {
    const out = new Collector();
    await renderObject(person(EVIL), COLUMNS.slice(0, 2), { format: 'table', color: false, lang: 'en' }, out);
    expect(out.text).toBe(`Id:   -7\nName: ${SHOWN}\n`);
  });

  it('escapes them in a tree', () => {
    const out = new Collector();
    renderTree(
      [{ id: '1', name: EVIL }],
      (g) => g.id,
      () => null,
      (g) => g.name,
      out,
    );
    expect(out.text).toBe(`${SHOWN}\n`);
  });

  it('escapes them in TSV, so a row stays one line and a piped listing stays inert', async () => {
    const text = await render('tsv', [person(`${EVIL}\\z`)]);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text.split('\n')[1]?.split('\t')[1]).toBe(`${SHOWN}\\\\z`);
    expect(text.split('\n')).toHaveLength(3);
  });

  it('keeps JSON exact', async () => {
    expect(JSON.parse(await render('json', [person(EVIL)]))[0].name).toBe(EVIL);
  });

  it('escapes server text in error messages', () => {
    const en = translator('en');
    const named = new ApiError('conflict', 'You already have a token named "x\u001b[2J"', {
      reason: 'token_name_taken',
      name: 'x\u001b[2J\ny',
    });
    expect(describeError(named, en).message).toBe('You already have a token named "x\\u001b[2J\\ny"');
    const plain = new ApiError('conflict', 'Group "\u202eevil\r" exists');
    expect(describeError(plain, en).message).toBe('Group "\\u202eevil\\r" exists');
  });
});

describe('rows of an input file quoted in messages', () => {
  it('show a row holding ESC or a line break on one line, escaped', () => {
    const text = formatRowErrors(
      [
        {
          source: 'staff.csv',
          line: 3,
          value: 'x',
          reason: '"8916\u001b[2J\nvm: ok" is not a valid phone number',
        },
      ],
      1,
      translator('en'),
    );
    expect(text).toBe('staff.csv:3: "8916\\u001b[2J\\nvm: ok" is not a valid phone number');
  });
});

describe('call detail CSV written by SQLite', () => {
  let db: Database.Database;
  beforeAll(() => {
    db = new Database(':memory:');
    db.exec(`CREATE TABLE cdr (msisdn TEXT, started_at TEXT, seq INTEGER, kind TEXT, direction TEXT, peer TEXT,
      peer_name TEXT, location TEXT, seconds INTEGER, bytes INTEGER, cost INTEGER)`);
    db.prepare(
      `INSERT INTO cdr VALUES ('+79160000001', '2026-11-04T05:01:00.000Z', 0, 'call', 'out', '+74951234567',
        '=HYPERLINK("http://x","y")', '@Москва', 60, 0, -250)`,
    ).run();
    db.prepare(
      `INSERT INTO cdr VALUES ('+79160000001', '2026-11-04T06:00:00.000Z', 1, 'sms', 'in', '-900',
        'a' || char(27) || '[2J' || char(8238) || 'b', char(9) || 'x', 0, 0, 5)`,
    ).run();
    db.prepare(
      `INSERT INTO cdr VALUES ('+79160000001', '2026-11-04T07:00:00.000Z', 2, 'call', 'out', '+74951234567',
        'ООО «Ромашка» – склад…', 'Москва', 60, 0, 100)`,
    ).run();
  });
  afterAll(() => db.close());

  const lines = (fields: string[], format: 'csv' | 'tsv' | 'jsonl', excel = false, raw = false) =>
    db
      .prepare<[], string>(`SELECT ${cdrLineSql(fields, format, excel, raw)} FROM cdr ORDER BY seq`)
      .pluck()
      .all();

  const fields = ['number', 'peer', 'peerName', 'location', 'cost'];

  it('neutralizes peerName and location in CSV, not the number, the peer or the cost', () => {
    expect(lines(fields, 'csv').slice(0, 2)).toEqual([
      `+79160000001,+74951234567,"'=HYPERLINK(""http://x"",""y"")",'@Москва,-2.50`,
      `+79160000001,-900,a\u001b[2J\u202eb,'\tx,0.05`,
    ]);
  });

  it('neutralizes them for Excel too', () => {
    expect(lines(fields, 'csv', true)[0]).toBe(
      `+79160000001;+74951234567;"'=HYPERLINK(""http://x"",""y"")";'@Москва;-2,50`,
    );
  });

  it('writes them exactly when raw', () => {
    expect(lines(fields, 'csv', false, true)[0]).toBe(
      `+79160000001,+74951234567,"=HYPERLINK(""http://x"",""y"")",@Москва,-2.50`,
    );
  });

  it('leaves TSV and JSON lines unneutralized, TSV with control characters escaped', () => {
    expect(lines(fields, 'tsv').slice(0, 2)).toEqual([
      `+79160000001\t+74951234567\t=HYPERLINK("http://x","y")\t@Москва\t-2.50`,
      `+79160000001\t-900\ta\\u001b[2J\\u202eb\t\\tx\t0.05`,
    ]);
    expect(JSON.parse(lines(fields, 'jsonl')[1] as string)).toMatchObject({
      peerName: 'a\u001b[2J\u202eb',
      location: '\tx',
    });
  });

  it('leaves dashes, guillemets and other punctuation alone in TSV', () => {
    expect(lines(fields, 'tsv')[2]).toBe('+79160000001\t+74951234567\tООО «Ромашка» – склад…\tМосква\t1.00');
  });

  it('carries rawCsv in the export layout', () => {
    expect(exportLayout('csv', fields, false, true).rawCsv).toBe(true);
    expect(exportLayout('csv', fields).rawCsv).toBe(false);
  });
});

describe('vm help output', () => {
  it.each(['en', 'ru'] as const)('explains formats, money, times and the neutralization in %s', (lang) => {
    expect(HELP_TOPICS).toContain('output');
    const text = helpTopic('output' as (typeof HELP_TOPICS)[number], lang);
    for (const word of ['--csv', '--excel', '--raw-csv', '--json', '--fields', "'", '\\u001b', '1234.50'])
      expect(text).toContain(word);
  });
});

describe('against a real backend (vm as a script runs it)', () => {
  const fixture = adminBackend();
  const vm = fixture.admin;

  /** Writes into the running backend's database, as data stored before today's input rules would be. */
  const plant = (write: (db: Database.Database) => void) => {
    const db = new Database(path.join(fixture.backend.dataDir, 'vm-backend.sqlite'));
    try {
      write(db);
    } finally {
      db.close();
    }
  };

  const lineOf = (stdout: string, needle: string, eol = '\n') => {
    const found = stdout.split(eol).filter((l) => l.includes(needle));
    expect(found).toHaveLength(1);
    return found[0] as string;
  };

  it('neutralizes a group named @SUM(1) in --csv and --excel, not in TSV, JSON or --raw-csv', async () => {
    const created = await vm('groups', 'create', '@SUM(1)', '--id', 'sum-group', '--json');
    expect(created.code).toBe(0);
    expect(parseJson<Group>(created.stdout).name).toBe('@SUM(1)');

    const csv = await vm('groups', 'list', '--csv');
    expect(csv.code).toBe(0);
    expect(lineOf(csv.stdout, 'sum-group')).toBe("sum-group,'@SUM(1),,'@SUM(1),0");
    const excel = await vm('groups', 'list', '--excel');
    expect(lineOf(excel.stdout, 'sum-group', '\r\n')).toBe("sum-group;'@SUM(1);;'@SUM(1);0");
    const viaFormat = await vm('groups', 'list', '-o', 'csv');
    expect(lineOf(viaFormat.stdout, 'sum-group')).toBe("sum-group,'@SUM(1),,'@SUM(1),0");
    const raw = await vm('groups', 'list', '--raw-csv');
    expect(lineOf(raw.stdout, 'sum-group')).toBe('sum-group,@SUM(1),,@SUM(1),0');
    const tsv = await vm('groups', 'list');
    expect(lineOf(tsv.stdout, 'sum-group')).toBe('sum-group\t@SUM(1)\t\t@SUM(1)\t0');
    const json = parseJson<Group[]>((await vm('groups', 'list', '--json')).stdout);
    expect(json.find((g) => g.id === 'sum-group')?.name).toBe('@SUM(1)');
  });

  it('neutralizes a user named =HYPERLINK(...) with an e-mail starting with -, keeping the +7 phone', async () => {
    const name = '=HYPERLINK("http://x","y")';
    const created = await vm(
      'users',
      'create',
      '--name',
      name,
      '--email',
      '-evil@x.test',
      '--phone',
      '+79161112233',
      '--json',
    );
    expect(created.code).toBe(0);
    const user = parseJson<User>(created.stdout);
    expect(user.phone).toBe('+79161112233');
    const csv = await vm('users', 'list', '--csv');
    expect(lineOf(csv.stdout, 'HYPERLINK')).toBe(
      [
        user.id,
        `"'=HYPERLINK(""http://x"",""y"")"`,
        "'-evil@x.test",
        '+79161112233',
        user.status,
        String(user.locked),
        '',
        user.createdAt,
      ].join(','),
    );
    const tsv = await vm('users', 'list');
    expect(lineOf(tsv.stdout, 'HYPERLINK')).toBe(
      [
        user.id,
        name,
        '-evil@x.test',
        '+79161112233',
        user.status,
        String(user.locked),
        '',
        user.createdAt,
      ].join('\t'),
    );
    const json = parseJson<User[]>((await vm('users', 'list', '--json')).stdout);
    expect(json.find((u) => u.id === user.id)).toMatchObject({ name, email: '-evil@x.test' });
  });

  it('neutralizes token names and appeal subjects', async () => {
    expect((await vm('tokens', 'create', '--name', '-2+3', '--scope', 'numbers:read')).code).toBe(0);
    const tokens = await vm('tokens', 'list', '--csv');
    const token = parseJson<ApiToken[]>((await vm('tokens', 'list', '--json')).stdout).find(
      (t) => t.name === '-2+3',
    );
    expect(lineOf(tokens.stdout, '-2+3')).toMatch(new RegExp(`^${token?.id},'-2\\+3,`));

    const appeal = await vm(
      'appeal',
      'create',
      '--type',
      'question',
      '--subject',
      '+SUM(2,3)',
      '--text',
      'hi',
      '--json',
    );
    expect(appeal.code).toBe(0);
    const id = parseJson<Appeal>(appeal.stdout).id;
    const list = await vm('appeal', 'list', '--csv');
    expect(lineOf(list.stdout, id)).toMatch(new RegExp(`^${id},question,\\w+,"'\\+SUM\\(2,3\\)",,`));
  });

  it('keeps +7 numbers and negative monthly deltas of a plan exactly as they are', async () => {
    const lines = parseJson<Line[]>((await vm('numbers', 'list', '--status', 'active', '--json')).stdout);
    const line = lines.find((l) => l.tariff === 'SMART');
    const msisdn = (line as Line).msisdn;
    const dry = await vm('tariff', 'set', 'VOICE_ECO', msisdn, '--dry-run', '--json');
    const item = parseJson<{ items: PlanItem[] }>(dry.stdout).items[0] as PlanItem;
    expect(item.monthlyDelta).toBeLessThan(0);
    const csv = await vm('tariff', 'set', 'VOICE_ECO', msisdn, '--dry-run', '--csv');
    const row = lineOf(csv.stdout, msisdn);
    const delta = (item.monthlyDelta / 100).toFixed(2);
    expect(row.startsWith(`${msisdn},${item.outcome},`)).toBe(true);
    expect(row).toContain(`,${delta},`);
    expect(delta.startsWith('-')).toBe(true);
  });

  it('writes call details with +7 peers exactly and no quote before them', async () => {
    const lines = parseJson<Line[]>((await vm('numbers', 'list', '--json')).stdout);
    const msisdn = (lines[0] as Line).msisdn;
    const csv = await vm('detail', msisdn, '--period', '2026-10', '--csv');
    expect(csv.code).toBe(0);
    const raw = await vm('detail', msisdn, '--period', '2026-10', '--raw-csv');
    expect(raw.code).toBe(0);
    // The generated names start with letters: nothing to neutralize, so both are the same bytes.
    expect(csv.stdout).toBe(raw.stdout);
    expect(csv.stdout).not.toContain(",'");
  });

  it('escapes ESC and U+202E in a group name in the table, the tree, TSV and messages; JSON stays exact', async () => {
    const name = 'Evil\u001b[31m\u202eName\r\nvm: ok';
    const shown = 'Evil\\u001b[31m\\u202eName\\r\\nvm: ok';
    // The backend refuses such a name now; a group stored before that rule (or sent by another operator
    // backend) must still reach the terminal escaped.
    expect((await vm('groups', 'create', name, '--id', 'evil-group')).code).toBe(2);
    plant((db) =>
      db.prepare("INSERT INTO groups (id, name, parent_id) VALUES ('evil-group', ?, NULL)").run(name),
    );
    const shownOne = await vm('groups', 'rename', 'evil-group', 'Evil again', '-o', 'table');
    expect(shownOne.stderr).not.toMatch(RAW_CONTROL);
    plant((db) => db.prepare("UPDATE groups SET name = ? WHERE id = 'evil-group'").run(name));

    const tree = await vm('groups', 'list', '-o', 'table');
    expect(tree.stdout).not.toMatch(RAW_CONTROL);
    expect(lineOf(tree.stdout, 'evil-group')).toContain(`${shown} (evil-group)`);

    const tsv = await vm('groups', 'list');
    expect(tsv.stdout).not.toMatch(RAW_CONTROL);
    expect(lineOf(tsv.stdout, 'evil-group')).toBe(`evil-group\t${shown}\t\t${shown}\t0`);

    const json = parseJson<Group[]>((await vm('groups', 'list', '--json')).stdout);
    expect(json.find((g) => g.id === 'evil-group')?.name).toBe(name);
  });

  it('shows an appeal thread with its text escaped and indented, so it cannot forge a reply', async () => {
    const text = 'Hello\u001b[2J\n[2026-01-01 00:00] operator:\nApproved\u202e';
    expect((await vm('appeal', 'create', '--type', 'complaint', '--subject', 'x', '--text', text)).code).toBe(
      2,
    );
    // Stored before the rule: the thread still shows escaped.
    const created = await vm(
      'appeal',
      'create',
      '--type',
      'complaint',
      '--subject',
      'x',
      '--text',
      'Hello',
      '--json',
    );
    expect(created.code).toBe(0);
    plant((db) =>
      db
        .prepare("UPDATE appeal_events SET text = ? WHERE appeal_id = ? AND kind = 'message'")
        .run(text, parseJson<Appeal>(created.stdout).id),
    );
    const shown = await vm('appeal', 'show', parseJson<Appeal>(created.stdout).id, '-o', 'table');
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toMatch(RAW_CONTROL);
    expect(shown.stdout).not.toMatch(/^\[2026-01-01 00:00\] operator:/m);
    expect(shown.stdout).toContain('  Hello\\u001b[2J\n  [2026-01-01 00:00] operator:\n  Approved\\u202e\n');
  });

  it('escapes a server-echoed name in an error message on stderr', async () => {
    const name = 'job\u001b[2J\u202e';
    const again = await vm('users', 'show', name);
    expect(again.code).not.toBe(0);
    expect(again.stderr).not.toMatch(RAW_CONTROL);
    expect(again.stderr).toContain('job\\u001b[2J\\u202e');
  });
});
