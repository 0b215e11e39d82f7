import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BackendStatus } from '../../src/api/status.js';
import { startBackendProcess } from '../support/backend-process.js';

/**
 * From 10,000 lines on, the built backend fills its history in a thread of its own (history-thread.ts):
 * the HTTP thread keeps answering meanwhile, a stop ends the thread cleanly, and a restart carries on.
 */

const LINES = 10_000;
const CLOCK = '2026-11-02T10:00:00Z';

async function call<T>(url: string, route: string, token = '', body?: unknown): Promise<T> {
  const res = await fetch(`${url}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as T;
}

const login = async (url: string) =>
  (
    await call<{ token: string }>(url, '/v1/auth/login', '', {
      login: 'admin@demo.test',
      password: 'admin-demo-1',
    })
  ).token;

describe('the history thread', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-history-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('fills the history while the backend answers, stops cleanly halfway, and finishes after a restart', async () => {
    let backend = await startBackendProcess({ lines: LINES, clock: CLOCK, dataDir });
    let token = await login(backend.url);
    // Some months in, not all: stop it (SIGTERM) while the thread works.
    let status = await call<BackendStatus>(backend.url, '/v1/status', token);
    const latencies: number[] = [];
    while (status.history.backfilledFrom === status.history.billingStart) {
      const start = performance.now();
      await call(backend.url, '/v1/me', token);
      latencies.push(performance.now() - start);
      status = await call<BackendStatus>(backend.url, '/v1/status', token);
    }
    expect(status.history.complete).toBe(false);
    expect(Math.max(...latencies)).toBeLessThan(200);
    const stopping = performance.now();
    await backend.stop();
    expect(backend.process.exitCode).toBe(0);
    expect(performance.now() - stopping).toBeLessThan(5000);

    backend = await startBackendProcess({ lines: LINES, clock: CLOCK, dataDir });
    try {
      token = await login(backend.url);
      const until = Date.now() + 90_000;
      do {
        await new Promise((r) => setTimeout(r, 250));
        status = await call<BackendStatus>(backend.url, '/v1/status', token);
      } while (!status.history.complete && Date.now() < until);
      expect(status).toMatchObject({
        lines: LINES,
        history: { from: '2026-08-01', backfilledFrom: '2026-08-01', complete: true },
      });
    } finally {
      await backend.stop();
    }
  });
});
