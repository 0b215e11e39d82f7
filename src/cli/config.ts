import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Conf from 'conf';

/** What vm remembers per profile. The session token is a secret: the file is mode 0600. */
export interface Profile {
  server?: string;
  token?: string;
  login?: string;
  /** Absolute path of the PEM CA file `vm login --ca` used; trusted for `server` only. */
  ca?: string;
}

interface ConfigShape {
  profiles?: Record<string, Profile>;
}

/** The config file cannot be used: not JSON, not vm's shape, or not readable. */
export class ConfigFileError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'ConfigFileError';
  constructor(
    readonly file: string,
    readonly problem: 'notJson' | 'notVm' | 'unreadable',
    readonly reason: string,
  ) {
    super(`config file ${file}: ${reason}`);
  }
}

/** `$XDG_CONFIG_HOME/vm`, or `~/.config/vm`. */
export function configDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'vm');
}

/**
 * The CLI's config file, one profile at a time. Read as the JSON it is (what conf's own reading does);
 * conf is loaded only to write it: loading conf (ajv, semver, ajv-formats, fast-uri) took 45-95 ms of
 * every command's start, before its first request, for commands that only read their token.
 */
export class ConfigStore {
  private conf?: Conf<ConfigShape>;
  private readonly file: string;

  constructor(
    private readonly dir: string,
    readonly profileName: string,
  ) {
    this.file = path.join(dir, 'config.json');
    this.guard(() => fs.mkdirSync(dir, { recursive: true, mode: 0o700 }));
    this.profiles();
  }

  /** The current profile's settings. */
  get profile(): Profile {
    return this.profiles()[this.profileName] ?? {};
  }

  /** Merges `patch` into the current profile (undefined values remove keys). */
  async update(patch: Partial<Profile>): Promise<void> {
    const profiles = { ...this.profiles() };
    const next: Profile = { ...profiles[this.profileName], ...patch };
    for (const k of Object.keys(next) as (keyof Profile)[]) if (next[k] === undefined) delete next[k];
    profiles[this.profileName] = next;
    if (!this.conf) {
      const { default: Store } = await import('conf');
      // No `defaults`: with them conf writes the file when it constructs.
      this.conf = this.guard(
        () =>
          new Store<ConfigShape>({
            cwd: this.dir,
            configName: 'config',
            projectName: 'vm',
            configFileMode: 0o600,
          }),
      );
    }
    const conf = this.conf;
    this.guard(() => conf.set('profiles', profiles));
    // conf sets the mode only when it creates the file; keep it private even if it existed before.
    fs.chmodSync(this.file, 0o600);
  }

  /** Where the file is. */
  get path(): string {
    return this.file;
  }

  /** Every profile; the file is read on each access (as conf does), so each read is checked. */
  private profiles(): Record<string, Profile> {
    const profiles = this.guard(() => this.read().profiles);
    if (profiles === undefined) return {};
    if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles))
      throw new ConfigFileError(this.file, 'notVm', '"profiles" is not an object');
    return profiles;
  }

  /** The file's settings, as conf reads them: none when there is no file, its JSON copied into an object. */
  private read(): ConfigShape {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    return Object.assign({}, JSON.parse(text) as unknown) as ConfigShape;
  }

  /** Runs a read or a conf call, turning raw errors (a JSON SyntaxError, EACCES, EISDIR) into ConfigFileError. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.name === 'SyntaxError') throw new ConfigFileError(this.file, 'notJson', e.message);
      if (e.code) throw new ConfigFileError(this.file, 'unreadable', e.code);
      throw err;
    }
  }
}
