import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Db } from './db.js';

/** A file sent on its own, waiting to be attached to an appeal. */
export interface UploadRecord {
  id: string;
  createdBy: number;
  name: string;
  sha256: string;
  size: number;
  createdAt: string;
}

/** Thrown when a streamed file passes its limit; nothing of it is kept. */
export class FileTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The file is larger than ${limit} bytes`);
  }
}

/** An appeal as stored. */
export interface AppealRecord {
  id: string;
  createdBy: number;
  author: string;
  type: string;
  subject: string;
  number: string | null;
  status: string;
  createdAt: string;
  statusAt: string;
}

/** One event of an appeal: a message in the thread or a status change. */
export interface AppealEvent {
  time: string;
  kind: 'message' | 'status';
  author: string;
  text: string | null;
}

const COLUMNS = `id, created_by AS createdBy, author, type, subject, number, status, created_at AS createdAt, status_at AS statusAt`;

/** Appeals, their threads and their attachments (files named by content hash in the data dir). */
export class AppealsRepo {
  constructor(
    private readonly db: Db,
    private readonly filesDir: string,
  ) {}

  /** Adds an appeal. */
  insert(a: AppealRecord): void {
    this.db
      .prepare(
        `INSERT INTO appeals (id, created_by, author, type, subject, number, status, created_at, status_at)
         VALUES (@id, @createdBy, @author, @type, @subject, @number, @status, @createdAt, @statusAt)`,
      )
      .run(a);
  }

  /** One appeal. */
  get(id: string): AppealRecord | undefined {
    return this.db.prepare<[string], AppealRecord>(`SELECT ${COLUMNS} FROM appeals WHERE id = ?`).get(id);
  }

  /** Every appeal, newest first. */
  all(): AppealRecord[] {
    return this.db
      .prepare<[], AppealRecord>(`SELECT ${COLUMNS} FROM appeals ORDER BY created_at DESC, id DESC`)
      .all();
  }

  /** Appeals the operator still works on (received or in progress), oldest first. */
  open(limit: number): AppealRecord[] {
    return this.db
      .prepare<[number], AppealRecord>(
        `SELECT ${COLUMNS} FROM appeals WHERE status IN ('received', 'in_progress') ORDER BY status_at, id LIMIT ?`,
      )
      .all(limit);
  }

  /** Moves an appeal to a status at a time. */
  setStatus(id: string, status: string, at: string): void {
    this.db.prepare('UPDATE appeals SET status = ?, status_at = ? WHERE id = ?').run(status, at, id);
    this.addEvent(id, { time: at, kind: 'status', author: 'operator', text: status });
  }

  /** Appends to the thread or the history. */
  addEvent(id: string, e: AppealEvent): void {
    this.db
      .prepare('INSERT INTO appeal_events (appeal_id, time, kind, author, text) VALUES (?, ?, ?, ?, ?)')
      .run(id, e.time, e.kind, e.author, e.text);
  }

  /** The thread and history in order. */
  events(id: string): AppealEvent[] {
    return this.db
      .prepare<[string], AppealEvent>(
        'SELECT time, kind, author, text FROM appeal_events WHERE appeal_id = ? ORDER BY id',
      )
      .all(id);
  }

  /** Stores an attachment's bytes once per content and links it to the appeal under its (clean) name. */
  addAttachment(id: string, name: string, sha256: string, bytes: Buffer): void {
    fs.mkdirSync(this.filesDir, { recursive: true, mode: 0o700 });
    const file = path.join(this.filesDir, sha256);
    if (!fs.existsSync(file)) {
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, bytes, { mode: 0o600 });
      fs.renameSync(tmp, file);
    }
    this.db
      .prepare('INSERT INTO appeal_attachments (appeal_id, name, sha256, size) VALUES (?, ?, ?, ?)')
      .run(id, name, sha256, bytes.length);
  }

  /**
   * Streams a file to disk (a temp file, hashed as it is written) and keeps it once per content; more
   * than `limit` bytes stops the stream and leaves nothing behind. Memory stays one chunk, whatever the
   * size.
   */
  async storeStream(body: NodeJS.ReadableStream, limit: number): Promise<{ sha256: string; size: number }> {
    fs.mkdirSync(this.filesDir, { recursive: true, mode: 0o700 });
    const tmp = path.join(this.filesDir, `upload.${randomBytes(8).toString('hex')}.tmp`);
    const hash = createHash('sha256');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > limit) return done(new FileTooLargeError(limit));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, count, fs.createWriteStream(tmp, { mode: 0o600 }));
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    const sha256 = hash.digest('hex');
    const file = path.join(this.filesDir, sha256);
    if (fs.existsSync(file)) fs.rmSync(tmp, { force: true });
    else fs.renameSync(tmp, file);
    return { sha256, size };
  }

  /** Records an upload. */
  insertUpload(u: UploadRecord): void {
    this.db
      .prepare(
        'INSERT INTO uploads (id, created_by, name, sha256, size, created_at) VALUES (@id, @createdBy, @name, @sha256, @size, @createdAt)',
      )
      .run(u);
  }

  /** One upload by id. */
  upload(id: string): UploadRecord | undefined {
    return this.db
      .prepare<[string], UploadRecord>(
        'SELECT id, created_by AS createdBy, name, sha256, size, created_at AS createdAt FROM uploads WHERE id = ?',
      )
      .get(id);
  }

  /** How many uploads a user made at or after `since` (those still attachable), and their bytes. */
  uploadsSince(userId: number, since: string): { count: number; bytes: number } {
    return this.db
      .prepare<[number, string], { count: number; bytes: number }>(
        'SELECT COUNT(*) AS count, COALESCE(SUM(size), 0) AS bytes FROM uploads WHERE created_by = ? AND created_at >= ?',
      )
      .get(userId, since) as { count: number; bytes: number };
  }

  /** Up to `limit` uploads made before `before`: past their time to be attached. */
  uploadsBefore(before: string, limit: number): { id: string; sha256: string }[] {
    return this.db
      .prepare<[string, number], { id: string; sha256: string }>(
        'SELECT id, sha256 FROM uploads WHERE created_at < ? LIMIT ?',
      )
      .all(before, limit);
  }

  /** Forgets uploads (an attached one lives on as its appeal's attachment; its file stays). */
  forgetUploads(ids: string[]): void {
    const forget = this.db.prepare('DELETE FROM uploads WHERE id = ?');
    for (const id of ids) forget.run(id);
  }

  /** Deletes the stored files of these hashes that no attachment and no upload holds any more. */
  removeUnheldFiles(hashes: string[]): void {
    const held = this.db.prepare<[string, string], { n: number }>(
      'SELECT (SELECT COUNT(*) FROM appeal_attachments WHERE sha256 = ?) + (SELECT COUNT(*) FROM uploads WHERE sha256 = ?) AS n',
    );
    for (const sha of hashes) {
      if ((held.get(sha, sha)?.n ?? 0) === 0) fs.rmSync(path.join(this.filesDir, sha), { force: true });
    }
  }

  /** Links a stored file (by content hash) to an appeal under a name. */
  linkAttachment(id: string, name: string, sha256: string, size: number): void {
    this.db
      .prepare('INSERT INTO appeal_attachments (appeal_id, name, sha256, size) VALUES (?, ?, ?, ?)')
      .run(id, name, sha256, size);
  }

  /** The attachments of an appeal. */
  attachments(id: string): { name: string; sha256: string; size: number }[] {
    return this.db
      .prepare<[string], { name: string; sha256: string; size: number }>(
        'SELECT name, sha256, size FROM appeal_attachments WHERE appeal_id = ? ORDER BY rowid',
      )
      .all(id);
  }

  /** The bytes of a stored attachment. */
  read(sha256: string): Buffer {
    return fs.readFileSync(path.join(this.filesDir, sha256));
  }
}
