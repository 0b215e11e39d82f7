import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBackendProcess } from '../support/backend-process.js';
import { loginAs, makeConfigHome, parseJson, removeTempDirs, runVm } from '../support/run-vm.js';

afterAll(() => removeTempDirs());

describe('vm backend start', () => {
  it('stops cleanly on SIGTERM with the WAL checkpointed, and a restart keeps every write', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-life-'));
    try {
      const first = await startBackendProcess({ dataDir, lines: 40 });
      const configHome = makeConfigHome();
      await loginAs(first.url, configHome, 'admin@demo.test', 'admin-demo-1');
      const created = await runVm(['tokens', 'create', '--name', 'survivor'], {
        server: first.url,
        configHome,
      });
      expect(created.code).toBe(0);
      await first.stop();
      expect(first.process.exitCode).toBe(0);
      const wal = path.join(dataDir, 'vm-backend.sqlite-wal');
      expect(fs.existsSync(wal) ? fs.statSync(wal).size : 0).toBe(0);

      const second = await startBackendProcess({ dataDir, lines: 999 });
      try {
        const token = created.stdout.trim();
        const list = await runVm(['numbers', 'list', '--json'], {
          server: second.url,
          env: { VM_TOKEN: token },
        });
        expect(list.code).toBe(0);
        expect(parseJson<unknown[]>(list.stdout)).toHaveLength(40);
        // The login history is for sessions only; the audit log (the token has audit:read) shows the login.
        const logins = await runVm(['audit', '--action', 'auth.login', '--json'], {
          server: second.url,
          env: { VM_TOKEN: token },
        });
        expect(parseJson<{ result: string }[]>(logins.stdout).filter((s) => s.result === 'ok')).toHaveLength(
          1,
        );
      } finally {
        await second.stop();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a port that is not a number with exit 2', async () => {
    const res = await runVm(['backend', 'start', '--port', 'eighty']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--port/);
  });
});
