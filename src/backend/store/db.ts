import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from './data-dir.js';
import { MIGRATIONS } from './migrations.js';

/** The backend's SQLite handle. */
export type Db = Database.Database;

/** How a connection is opened: its page cache, in KiB (8,000 by default). */
export interface DbOptions {
  cacheKb?: number;
}

/** Opens (creating if needed) the database in `dataDir`, WAL mode, and applies pending migrations. */
export function openDatabase(dataDir: string, opts: DbOptions = {}): Db {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(path.join(dataDir, DATABASE_FILE));
  try {
    configure(db, opts.cacheKb ?? 8000);
    migrate(db);
  } catch (err) {
    // A damaged file or a full disk: let the caller report it without a handle left open.
    db.close();
    throw err;
  }
  return db;
}

function configure(db: Db, cacheKb: number): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // 8 MB of page cache by default (better-sqlite3 defaults to 16 MB): exports scan far more than any
  // cache holds, and the backend's footprint matters more than the last percent of index-page hits.
  db.pragma(`cache_size = -${Math.trunc(cacheKb)}`);
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

/** Checkpoints the WAL into the main file (unless told not to) and closes: nothing written is lost. */
export function closeDatabase(db: Db, checkpoint = true): void {
  if (!db.open) return;
  if (checkpoint) db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
