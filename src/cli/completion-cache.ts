import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One value a shell may complete, with what it is (shown beside it by zsh and fish). */
export type CompletionValue = [value: string, description: string];

/** How long the file of another credential is kept after its last write: a login leaves the old one behind. */
const STALE_FILE_MS = 24 * 60 * 60 * 1000;

interface Stored {
  /** When the values were asked for (ms since the epoch). */
  at: number;
  values: CompletionValue[];
}

/** `$XDG_CACHE_HOME/vm`, or `~/.cache/vm`: what vm keeps only to be quicker, safe to delete. */
export function cacheDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'vm');
}

/**
 * Values a shell's completion asked the backend for, kept on disk for a short time: one file per server and
 * credential (named by a hash of both, so another login — another user, maybe — starts afresh and no
 * token is written anywhere), each kind with the time it was asked. Reading and writing never fail: a
 * cache that cannot be used is an empty one.
 */
export class CompletionCache {
  private readonly file: string;

  constructor(
    dir: string,
    server: string,
    token: string,
    private readonly now: () => number = Date.now,
  ) {
    const key = createHash('sha256').update(`${server}\n${token}`).digest('hex').slice(0, 32);
    this.file = path.join(dir, 'completion', `${key}.json`);
  }

  /** The values of `kind` asked for less than `ttlMs` ago; undefined when there are none that fresh. */
  get(kind: string, ttlMs: number): CompletionValue[] | undefined {
    const stored = this.read()[kind];
    if (!stored || !Array.isArray(stored.values) || typeof stored.at !== 'number') return undefined;
    const age = this.now() - stored.at;
    // A time ahead of now (the clock was set back) is not trusted as fresh.
    if (!(age >= 0 && age < ttlMs)) return undefined;
    return stored.values.filter(
      (v): v is CompletionValue => Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string',
    );
  }

  /** Keeps `values` as the answer for `kind` from now on; written whole (a temp file renamed), mode 0600. */
  set(kind: string, values: CompletionValue[]): void {
    const all = { ...this.read(), [kind]: { at: this.now(), values } };
    const temp = `${this.file}.${process.pid}.tmp`;
    try {
      // Group names and operation ids are the company's: only this user may read them.
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      fs.writeFileSync(temp, JSON.stringify(all), { mode: 0o600 });
      fs.renameSync(temp, this.file);
      this.prune();
    } catch {
      try {
        fs.rmSync(temp, { force: true });
      } catch {
        // nothing was written
      }
    }
  }

  /** Removes the files beside this one that nobody wrote for a day. */
  private prune(): void {
    const dir = path.dirname(this.file);
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name);
      if (file !== this.file && Date.now() - fs.statSync(file).mtimeMs > STALE_FILE_MS)
        fs.rmSync(file, { force: true });
    }
  }

  /** Forgets every kind (after a change, which may have made an operation or a group). */
  clear(): void {
    try {
      fs.rmSync(this.file, { force: true });
    } catch {
      // nothing to forget, or nothing vm may remove
    }
  }

  private read(): Record<string, Stored | undefined> {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as unknown;
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, Stored>)
        : {};
    } catch {
      return {};
    }
  }
}
