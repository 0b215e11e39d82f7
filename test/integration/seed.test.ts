import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBackend } from '../../src/backend/server.js';
import { openStoreFile } from '../support/store-file.js';

const TABLES = [
  'meta',
  'regions',
  'accounts',
  'groups',
  'tariffs',
  'services',
  'numbers',
  'number_services',
  'users',
  'roles',
  'user_roles',
];

/** Seeds a fresh data dir and dumps every seeded table as JSON text. */
async function seededDump(seed: number, lines: number): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-seed-'));
  const backend = await createBackend({
    dataDir: dir,
    seed,
    lines,
    clockStart: new Date('2026-01-01T00:00:00Z'),
  });
  try {
    const db = openStoreFile(dir);
    try {
      return JSON.stringify(TABLES.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).raw().all()));
    } finally {
      db.close();
    }
  } finally {
    await backend.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the demo company in the store', () => {
  it('is byte-identical for the same seed, password hashes included', async () => {
    const a = await seededDump(7, 500);
    const b = await seededDump(7, 500);
    expect(a.length).toBeGreaterThan(10_000);
    expect(a === b).toBe(true);
  });

  it('differs for another seed', async () => {
    expect((await seededDump(7, 100)) === (await seededDump(8, 100))).toBe(false);
  });

  it('is loaded only into an empty data dir: a restart keeps what is there', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-seed-'));
    try {
      const count = () => {
        const db = openStoreFile(dir);
        try {
          return (db.prepare('SELECT count(*) AS n FROM numbers').get() as { n: number }).n;
        } finally {
          db.close();
        }
      };
      const first = await createBackend({ dataDir: dir, lines: 30 });
      expect(count()).toBe(30);
      await first.close();
      const second = await createBackend({ dataDir: dir, lines: 999 });
      expect(count()).toBe(30);
      await second.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
