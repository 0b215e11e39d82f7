import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../src/backend/store/store.js';

/**
 * The HTTP thread's writes go first: its store counts its transactions in shared memory, and the
 * history thread's store waits for that count to fall to 0 before each slice (Store.othersDone), so a
 * waiting HTTP-thread transaction (a frozen event loop) waits for one slice at most.
 */
describe('writes of the HTTP thread go first', () => {
  let dir: string;
  let main: Store;
  let other: Store;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-writers-'));
    main = Store.open(dir);
    other = Store.open(dir);
  });
  afterAll(() => {
    other.close({ checkpoint: false });
    main.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts a transaction while it runs, nested ones too, and not after', () => {
    const writers = main.shareWriters();
    const seen: number[] = [];
    main.transaction(() => {
      seen.push(Atomics.load(writers, 0));
      main.transaction(() => seen.push(Atomics.load(writers, 0)));
    });
    expect(seen).toEqual([1, 2]);
    expect(Atomics.load(writers, 0)).toBe(0);
    expect(() =>
      main.transaction(() => {
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(Atomics.load(writers, 0)).toBe(0);
  });

  it("lets the other store's slice wait while the first store has a transaction waiting or running", async () => {
    const writers = main.shareWriters();
    other.yieldTo(writers);
    await other.othersDone(); // none: at once
    // As the HTTP thread would while it waits for the lock (the test stands in for that thread).
    Atomics.add(writers, 0, 1);
    let gone = false;
    const waiting = other.othersDone().then(() => (gone = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(gone).toBe(false);
    Atomics.sub(writers, 0, 1);
    await waiting;
    expect(gone).toBe(true);
  });
});

describe("the HTTP thread's worker waits for a background slice with its event loop running", () => {
  it('resolves othersDone only once the yielding store has no transaction in progress', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-writers-'));
    const main = Store.open(dir);
    const other = Store.open(dir);
    try {
      const writers = main.shareWriters();
      other.yieldTo(writers);
      await main.othersDone(); // none: at once
      const seen: number[] = [];
      other.transaction(() => seen.push(Atomics.load(writers, 1)));
      expect(seen).toEqual([1]);
      expect(Atomics.load(writers, 1)).toBe(0);
      // A slice in progress (the test stands in for the history thread).
      Atomics.add(writers, 1, 1);
      let done = false;
      const waiting = main.othersDone().then(() => (done = true));
      await new Promise((r) => setTimeout(r, 20));
      expect(done).toBe(false);
      Atomics.sub(writers, 1, 1);
      await waiting;
      expect(done).toBe(true);
    } finally {
      other.close({ checkpoint: false });
      main.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
