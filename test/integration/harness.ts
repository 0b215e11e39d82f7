import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RouteId } from '../../src/api/routes.js';
import type { RateLimits } from '../../src/domain/rate-limit-spec.js';
import type { Faults } from '../../src/backend/http/faults.js';
import { VmClient } from '../../src/client/client.js';
import { startBackend, type Backend } from '../../src/backend/server.js';
import { openStoreFile, type StoreFile } from '../support/store-file.js';

/** An in-process backend on 127.0.0.1:0 with a temp data dir and a manual clock. */
export interface TestBackend extends Backend {
  dataDir: string;
  /** Moves the manual clock forward. */
  advance(seconds: number): void;
  /** A client of the contract, optionally logged in. */
  client(token?: string): VmClient;
  /** Logs a demo user in and returns a client carrying the session. */
  loginAs(login: string, password: string): Promise<VmClient>;
  /** The test's own connection to the backend's database file (opened on first use, closed by stop). */
  db(): StoreFile;
  /** Stops the backend and removes its data dir, unless `keepData` (a restart follows). */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export const START = new Date('2026-11-02T10:00:00Z');

/** Starts a backend for one test file (its manual clock at `clockStart`, START by default). */
export async function startTestBackend(
  opts: {
    lines?: number;
    seed?: number;
    clockStart?: Date;
    syncReportNumbers?: number;
    waitForHistory?: boolean;
    slowSliceMs?: number;
    /** An existing data dir (a restart); a fresh temp dir otherwise. */
    dataDir?: string;
    /** Rate limits; none by default: tests make many fast requests, which a real limit would refuse. */
    rateLimits?: RateLimits | null;
    /** Injected faults; none by default. */
    faults?: Faults | null;
    /** Event stream timers; by default a stream checks its caller at every look (a revocation ends it at once). */
    eventStream?: { pollMs?: number; heartbeatMs?: number; recheckMs?: number };
    /** Let webhooks call private addresses (`--allow-private-webhooks`). */
    allowPrivateWebhooks?: boolean;
  } = {},
): Promise<TestBackend> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'vm-it-'));
  const backend = await startBackend({
    dataDir,
    port: 0,
    lines: opts.lines ?? 250,
    seed: opts.seed ?? 1,
    clockStart: opts.clockStart ?? START,
    testMode: true,
    syncReportNumbers: opts.syncReportNumbers,
    slowSliceMs: opts.slowSliceMs,
    rateLimits: opts.rateLimits ?? null,
    faults: opts.faults ?? null,
    eventStream: opts.eventStream ?? { recheckMs: 0 },
    allowPrivateWebhooks: opts.allowPrivateWebhooks,
  });
  // Reports answer at once only over history that is in: let the start's backfill finish (a few
  // hundred lines take well under a second) unless a test watches it happen.
  if (opts.waitForHistory !== false) await backend.services.worker.idle();
  const clients: VmClient[] = [];
  let file: StoreFile | undefined;
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
    db() {
      file ??= openStoreFile(dataDir);
      return file;
    },
    async stop(o) {
      file?.close();
      await Promise.all(clients.map((c) => c.close()));
      await backend.close();
      if (!o?.keepData) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves to the rejection of `p` (fails the test if it resolves). */
export async function rejection(
  p: Promise<unknown>,
): Promise<{ code?: string; status?: number; message?: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; status?: number; message?: string };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** What `untyped` sends: any parts, including what the contract's types would refuse. */
export interface LooseInput {
  params?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
  idempotencyKey?: string;
}

/**
 * The client's call without the contract's types, for tests that send what a typed caller cannot
 * (wrong types, unknown fields, hostile values) to prove the backend refuses it.
 */
export function untyped(client: VmClient): (id: RouteId, input?: LooseInput) => Promise<unknown> {
  return client.call.bind(client) as unknown as (id: RouteId, input?: LooseInput) => Promise<unknown>;
}
