import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** The backend's database file in its data directory. */
export const DATABASE_FILE = 'vm-backend.sqlite';
/** An SQLite file used only for the exclusive lock that marks the directory as taken. */
const LOCK_FILE = 'vm-backend.lock';
/** The pid of the backend holding the lock, for the message of the one refused. */
const PID_FILE = 'vm-backend.pid';

/** What is wrong with a data directory, as far as the user can act on it. */
export type DataDirProblem = 'notDirectory' | 'notWritable' | 'corrupt' | 'full' | 'io';

/** The data directory or its database cannot be used; `path` names what to look at. */
export class DataDirError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'DataDirError';
  constructor(
    readonly problem: DataDirProblem,
    readonly path: string,
    /** The system's or SQLite's code (ENOTDIR, SQLITE_FULL, …). */
    readonly code: string,
    message: string,
  ) {
    super(`${path}: ${problem} (${code}): ${message}`);
  }
}

/** Another backend holds the data directory. */
export class DataDirLockedError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly path: string,
    /** The holder's pid, when its pid file could be read. */
    readonly pid: number | undefined,
  ) {
    super(`another vm backend${pid ? ` (pid ${pid})` : ''} is using ${path}`);
  }
}

// Prefixes, so that extended codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DIRECTORY, …) fall in too.
const PROBLEMS: [RegExp, DataDirProblem][] = [
  [/^(SQLITE_FULL|ENOSPC|EDQUOT)/, 'full'],
  [/^(SQLITE_NOTADB|SQLITE_CORRUPT)/, 'corrupt'],
  [/^(SQLITE_READONLY|SQLITE_CANTOPEN|SQLITE_PERM|EACCES|EPERM|EROFS)/, 'notWritable'],
  [/^(ENOTDIR|EISDIR)/, 'notDirectory'],
  [/^(SQLITE_IOERR|EIO)/, 'io'],
];

/**
 * The DataDirError for a raw error met while opening or preparing the data in `dataDir`, or undefined
 * when it is not about the directory or the disk (a bug is left to be reported as one). `file` is the
 * database the SQLite errors are about.
 */
export function dataDirError(
  err: unknown,
  dataDir: string,
  file = path.join(dataDir, DATABASE_FILE),
): DataDirError | undefined {
  if (err instanceof DataDirError) return err;
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return undefined;
  const problem = PROBLEMS.find(([pattern]) => pattern.test(code))?.[1];
  if (!problem) return undefined;
  return new DataDirError(problem, problem === 'corrupt' ? file : dataDir, code, (err as Error).message);
}

/** Creates the data directory if needed and checks it is a directory this process can write in. */
function prepareDataDir(dataDir: string): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw dataDirError(err, dataDir) ?? err;
  }
  if (stat && !stat.isDirectory()) throw new DataDirError('notDirectory', dataDir, 'ENOTDIR', 'a file');
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // Found now rather than as SQLite's "unable to open database file" (root passes this check anyway).
    fs.accessSync(dataDir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    throw dataDirError(err, dataDir) ?? err;
  }
}

/** The data directory, held by this process until release(). */
export interface DataDirLock {
  /** Removes the pid file and drops the lock; the next backend may start. */
  release(): void;
}

/**
 * Creates `dataDir` if needed and takes it for this process, or throws DataDirLockedError when another
 * backend (in any process, this one included) holds it, and DataDirError when it cannot be used.
 *
 * The lock is SQLite's exclusive lock on a file of its own, kept for the life of the connection
 * (locking_mode EXCLUSIVE). The operating system drops it when the process ends, kill -9 included, so a
 * stale lock cannot exist. A pid file checked with process.kill(pid, 0) can be fooled: after kill -9 the
 * pid may belong to another process by the next start (a container restarted as pid 1 finds "itself"),
 * and removing a stale file races with a second start doing the same. The database itself cannot be the
 * lock: in WAL mode it is shared by design. The pid file here only names the holder in the message.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  prepareDataDir(dataDir);
  const lockFile = path.join(dataDir, LOCK_FILE);
  const pidFile = path.join(dataDir, PID_FILE);
  let db: Database.Database;
  try {
    // timeout 0: a held lock is an answer, not something to wait for.
    db = new Database(lockFile, { timeout: 0 });
  } catch (err) {
    throw dataDirError(err, dataDir, lockFile) ?? err;
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = OFF');
    // The first write takes the exclusive lock, and EXCLUSIVE locking mode keeps it until close.
    db.pragma(`user_version = ${process.pid}`);
  } catch (err) {
    db.close();
    if (/^SQLITE_BUSY|^SQLITE_LOCKED/.test(String((err as { code?: unknown }).code))) {
      throw new DataDirLockedError(dataDir, readPid(pidFile));
    }
    throw dataDirError(err, dataDir, lockFile) ?? err;
  }
  try {
    // Written whole under another name and renamed, so a refused start never reads half a pid.
    fs.writeFileSync(`${pidFile}.tmp`, `${process.pid}\n`);
    fs.renameSync(`${pidFile}.tmp`, pidFile);
  } catch (err) {
    db.close();
    throw dataDirError(err, dataDir) ?? err;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      fs.rmSync(pidFile, { force: true });
      // The lock file stays: removing it would let the next two starts lock two different files of
      // the same name (one opened before the removal, one created after) and both run.
      db.close();
    },
  };
}

function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
