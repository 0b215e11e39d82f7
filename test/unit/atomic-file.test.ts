import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomically } from '../../src/cli/output/atomic-file.js';

/** Files written through a temp file: whole under their name, or not at all, and no temp left behind. */
describe('writeFileAtomically', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-atomic-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renames the temp file to the name once it is whole, private to the user', async () => {
    const file = path.join(dir, 'out.csv');
    await writeFileAtomically(file, async (out) => {
      out.end('a,b\n');
      await new Promise((resolve) => out.once('finish', resolve));
    });
    expect(fs.readdirSync(dir)).toEqual(['out.csv']);
    expect(fs.readFileSync(file, 'utf8')).toBe('a,b\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('stops at %s with its exit code, removing the half-written temp file', async (signal, code) => {
    const file = path.join(dir, 'big.csv');
    const writing = writeFileAtomically(file, async (out) => {
      out.write('x'.repeat(1 << 20));
      process.emit(signal);
      // A download that would go on for a long time: the signal, not the end, stops it.
      await new Promise(() => undefined);
    });
    await expect(writing).rejects.toMatchObject({ name: 'InterruptedError', exitCode: code, file });
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(0);
  });

  it('removes the temp file when the writing fails, and passes the failure on', async () => {
    const writing = writeFileAtomically(path.join(dir, 'cut.csv'), async (out) => {
      out.write('half');
      throw new Error('answer cut');
    });
    await expect(writing).rejects.toThrow('answer cut');
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
