import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';

import { copyRecords, type RecordOutput } from '../../src/cli/output/record-stream.js';

const csv: RecordOutput = { format: 'csv', server: 'csv', excel: false, rawCsv: false };

/** A CSV export as the backend sends it: a header, then `records` lines, in pieces of `piece` bytes. */
function download(records: number, piece: number): { bytes: Buffer; body: () => Readable } {
  const lines = ['number,peerName,location,cost'];
  for (let i = 0; i < records; i++)
    lines.push(`+7916${String(i).padStart(7, '0')},"ООО «Ромашка», приёмная",Москва,${i % 100}.50`);
  const bytes = Buffer.from(`${lines.join('\n')}\n`);
  // Pieces cut at byte offsets, so a Cyrillic letter is split between two of them now and then.
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += piece) pieces.push(bytes.subarray(at, at + piece));
  return { bytes, body: () => Readable.from(pieces, { objectMode: false }) };
}

describe('copyRecords', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-record-stream-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['many small pieces, several writes', 20_000, 4_093],
    ['fewer bytes than one write', 30, 1_000],
    ['one piece', 1_000, 10_000_000],
  ])('writes a file byte for byte and counts its records (%s)', async (_name, records, piece) => {
    const { bytes, body } = download(records, piece);
    const file = path.join(dir, `out-${records}-${piece}.csv`);
    const seen: number[] = [];
    const copied = await copyRecords(body(), csv, {
      file,
      stdout: process.stdout,
      tableRows: 0,
      onProgress: (n) => seen.push(n),
    });
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    expect(copied.records).toBe(records);
    expect(seen[seen.length - 1]).toBe(records);
  });

  it('fails, leaving nothing behind, when the file cannot be written', async () => {
    const { body } = download(20_000, 4_093);
    const file = path.join(dir, 'no-such-dir', 'out.csv');
    await expect(copyRecords(body(), csv, { file, stdout: process.stdout, tableRows: 0 })).rejects.toThrow(
      /ENOENT/,
    );
    expect(fs.existsSync(path.dirname(file))).toBe(false);
  });

  it('passes pieces to stdout as they come', async () => {
    const { bytes, body } = download(2_000, 4_093);
    const got: Buffer[] = [];
    const stdout = new Writable({
      write(chunk: Buffer, _enc, done) {
        got.push(chunk);
        done();
      },
    });
    const copied = await copyRecords(body(), csv, { stdout, tableRows: 0 });
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    expect(got.length).toBe(Math.ceil(bytes.length / 4_093));
    expect(copied.records).toBe(2_000);
  });
});
