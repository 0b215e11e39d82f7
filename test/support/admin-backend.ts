import { startBackendProcess, type BackendProcess, type BackendProcessOptions } from './backend-process.js';
import { demo, loginAs, makeConfigHome, removeTempDirs, runVm, type RunVmResult } from './run-vm.js';

/** A backend process with the demo admin logged in, for one describe block. */
export interface AdminBackend {
  /** The backend (there once the block's beforeAll has run). */
  readonly backend: BackendProcess;
  /** The admin's XDG_CONFIG_HOME, holding the session. */
  readonly config: string;
  /** Runs vm as the admin. */
  admin(...args: string[]): Promise<RunVmResult>;
}

/**
 * Registers, in the enclosing describe, a beforeAll that starts `vm backend start` (options as
 * startBackendProcess) and logs the demo admin into a fresh config home, and an afterAll that stops it
 * and removes the temp dirs. The block's own beforeAll hooks, declared after, run after this one.
 */
export function adminBackend(opts: BackendProcessOptions = {}): AdminBackend {
  let backend: BackendProcess | undefined;
  let config: string | undefined;
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`adminBackend: ${what} is used before beforeAll ran`);
    return value;
  };
  beforeAll(async () => {
    backend = await startBackendProcess(opts);
    config = makeConfigHome();
    await loginAs(backend.url, config, demo.admin.email, demo.admin.password);
  });
  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
  });
  return {
    get backend() {
      return started(backend, 'the backend');
    },
    get config() {
      return started(config, 'the config home');
    },
    admin: (...args) =>
      runVm(args, {
        server: started(backend, 'the backend').url,
        configHome: started(config, 'the config home'),
      }),
  };
}
