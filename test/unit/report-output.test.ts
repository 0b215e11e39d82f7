import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import type { Readable } from 'node:stream';
import type { Report } from '../../src/api/billing.js';
import { reportDocument, reportLines } from '../../src/backend/engine/report-output.js';

/** A report job's result as the backend stores it: a head line, a line per row, an end line. */
function linesOf(r: Report): string {
  const { rows, totals, ...head } = r;
  return [{ report: head }, ...rows.map((row) => ({ row })), { end: { rows: rows.length, totals } }]
    .map((l) => `${JSON.stringify(l)}\n`)
    .join('');
}

const textOf = async (body: Readable | string) => (typeof body === 'string' ? body : text(body));

describe('a report job result file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-report-output-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const report = (rows: number): Report => ({
    type: 'usage',
    from: '2026-10-01',
    to: '2026-10-31',
    columns: [
      { key: 'msisdn', kind: 'text' },
      { key: 'employee', kind: 'text', freeText: true },
      { key: 'minutes', kind: 'number' },
    ],
    rows: Array.from({ length: rows }, (_, i) => ({
      msisdn: `+7916${String(i).padStart(7, '0')}`,
      employee: i % 3 ? `Сотрудник "${i}",\n` : '{"row":1}',
      minutes: i,
    })),
    totals: rows ? { msisdn: 'total', employee: '', minutes: (rows * (rows - 1)) / 2 } : null,
  });

  it.each([
    ['small (answered as one string)', 3],
    ['empty', 0],
    ['over 1 MB (rewritten as a stream, a thousand rows a chunk)', 20_001],
  ])('is the Report document when %s', async (_, rows) => {
    const r = report(rows);
    const file = path.join(dir, 'rj_1.jsonl');
    fs.writeFileSync(file, linesOf(r));
    const body = await reportDocument({ path: file, format: 'lines' });
    expect(typeof body === 'string').toBe(rows < 20_000);
    expect(JSON.parse(await textOf(body))).toEqual(r);
    expect(await text(reportLines({ path: file, format: 'lines' }))).toBe(linesOf(r));
  });

  it('of an earlier version (one document) is served as it is, and as lines', async () => {
    const r = report(5);
    const file = path.join(dir, 'rj_1.json');
    fs.writeFileSync(file, JSON.stringify(r));
    expect(JSON.parse(await textOf(await reportDocument({ path: file, format: 'document' })))).toEqual(r);
    expect(await text(reportLines({ path: file, format: 'document' }))).toBe(linesOf(r));
  });
});
