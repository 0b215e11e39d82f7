import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBackendProcess } from '../support/backend-process.js';
import { runVm } from '../support/run-vm.js';

/** `vm backend start` misbehaving on purpose: its flags, its default limits and its log of faults. */

describe('vm backend start --faults and --rate-limit', () => {
  it('refuses a spec it cannot read with exit 2, before touching the data directory', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-faults-'));
    try {
      const data = path.join(parent, 'data');
      const res = await runVm(['backend', 'start', '--port', '0', '--data', data, '--faults', 'error=2']);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('--faults: "error=2": a probability is a number from 0 to 1.');
      expect(fs.existsSync(data)).toBe(false);
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });

  it('limits by default, answers 503 under error=1, says the seed and logs each fault at debug level', async () => {
    const backend = await startBackendProcess({
      lines: 10,
      rateLimit: null,
      extraArgs: ['--faults', 'error=1', '--faults-seed', '5', '--log-level', 'debug'],
    });
    try {
      const res = await fetch(`${backend.url}/v1/me`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');
      // The default limits: reads 20 a second with a burst of 40 per token or session.
      expect(res.headers.get('ratelimit-limit')).toBe('40');
      expect(res.headers.get('ratelimit-remaining')).toBe('39');
      expect(backend.stderr()).toContain('Injecting faults (error=1); repeat this run with --faults-seed 5.');
      // The log line is written as the answer goes out; give it a moment to arrive.
      for (let i = 0; i < 50 && !backend.stderr().includes('injected fault: 503'); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(backend.stderr()).toContain('injected fault: 503');
    } finally {
      await backend.stop();
    }
  });
});
