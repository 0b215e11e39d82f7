import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VmClient } from '../../src/client/client.js';
import { startBackend, type Backend } from '../../src/backend/server.js';

/** An in-process backend on 127.0.0.1:0 with a temp data dir and a manual clock. */
export interface TestBackend extends Backend {
  dataDir: string;
  /** Moves the manual clock forward. */
  advance(seconds: number): void;
  /** A client of the contract, optionally logged in. */
  client(token?: string): VmClient;
  /** Logs a demo user in and returns a client carrying the session. */
  loginAs(login: string, password: string): Promise<VmClient>;
  stop(): Promise<void>;
}

export const START = new Date('2026-11-02T10:00:00Z');

/** Starts a backend for one test file (its manual clock at `clockStart`, START by default). */
export async function startTestBackend(
  opts: { lines?: number; seed?: number; clockStart?: Date } = {},
): Promise<TestBackend> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-it-'));
  const backend = await startBackend({
    dataDir,
    port: 0,
    lines: opts.lines ?? 250,
    seed: opts.seed ?? 1,
    clockStart: opts.clockStart ?? START,
    testMode: true,
  });
  const clients: VmClient[] = [];
  const client = (token?: string) => {
    const c = new VmClient({ server: backend.url, token, userAgent: 'vm-test', retries: 0 });
    clients.push(c);
    return c;
  };
  return {
    ...backend,
    dataDir,
    advance(seconds) {
      const now = backend.services.clock.now();
      backend.services.setClock?.(new Date(now.getTime() + seconds * 1000));
    },
    client,
    async loginAs(login, password) {
      const res = await client().call('auth.login', { body: { login, password } });
      return client(res.token);
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close()));
      await backend.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves to the rejection of `p` (fails the test if it resolves). */
export async function rejection(
  p: Promise<unknown>,
): Promise<{ code?: string; status?: number; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; status?: number };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
