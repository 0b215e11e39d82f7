import path from 'node:path';
import Database from 'better-sqlite3';

/** A SQLite connection of the test's own. */
export type StoreFile = Database.Database;

/**
 * Opens a backend's database file with a connection of the test's own, as `sqlite3` on the data dir
 * would: to read tables no route shows and to plant rows the API refuses. The backend's Store never
 * hands its handle out (SQL lives in src/backend/store only); WAL lets both connections work at once.
 */
export function openStoreFile(dataDir: string): StoreFile {
  const db = new Database(path.join(dataDir, 'vm-backend.sqlite'), { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}
