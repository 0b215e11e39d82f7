import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';

/** What vm remembers per profile. The session token is a secret: the file is mode 0600. */
export interface Profile {
  server?: string;
  token?: string;
  login?: string;
}

interface ConfigShape {
  profiles: Record<string, Profile>;
}

/** `$XDG_CONFIG_HOME/vm`, or `~/.config/vm`. */
export function configDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'vm');
}

/** The CLI's config file (conf), one profile at a time. */
export class ConfigStore {
  private readonly conf: Conf<ConfigShape>;

  constructor(
    dir: string,
    readonly profileName: string,
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.conf = new Conf<ConfigShape>({
      cwd: dir,
      configName: 'config',
      projectName: 'vm',
      configFileMode: 0o600,
      defaults: { profiles: {} },
    });
  }

  /** The current profile's settings. */
  get profile(): Profile {
    return this.conf.get('profiles')[this.profileName] ?? {};
  }

  /** Merges `patch` into the current profile (undefined values remove keys). */
  update(patch: Partial<Profile>): void {
    const profiles = { ...this.conf.get('profiles') };
    const next: Profile = { ...profiles[this.profileName], ...patch };
    for (const k of Object.keys(next) as (keyof Profile)[]) if (next[k] === undefined) delete next[k];
    profiles[this.profileName] = next;
    this.conf.set('profiles', profiles);
    // conf sets the mode only when it creates the file; keep it private even if it existed before.
    fs.chmodSync(this.conf.path, 0o600);
  }

  /** Where the file is. */
  get path(): string {
    return this.conf.path;
  }
}
