import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { demo, makeConfigHome, removeTempDirs, runVm } from '../support/run-vm.js';

/** A self-signed certificate for localhost and 127.0.0.1, valid for a day. */
function makeSelfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'pipe' },
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new Error(
        'tls.test.ts needs the openssl command to make a self-signed certificate; install openssl',
      );
    }
    throw new Error(`openssl could not make a certificate: ${e.stderr?.toString() ?? e.message}`);
  }
  return { cert, key };
}

describe('TLS and plain http', () => {
  let backend: BackendProcess;
  let certDir: string;
  let cert: string;

  const login = (configHome: string, args: string[] = [], env: Record<string, string> = {}) =>
    runVm(['login', '--email', demo.admin.email, '--password-stdin', ...args], {
      server: backend.url,
      configHome,
      stdin: `${demo.admin.password}\n`,
      env,
    });

  beforeAll(async () => {
    certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-tls-'));
    const files = makeSelfSignedCertificate(certDir);
    cert = files.cert;
    backend = await startBackendProcess({ extraArgs: ['--tls-cert', files.cert, '--tls-key', files.key] });
  });

  afterAll(async () => {
    await backend?.stop();
    removeTempDirs();
    if (certDir) fs.rmSync(certDir, { recursive: true, force: true });
  });

  it('serves https when started with --tls-cert and --tls-key', () => {
    expect(backend.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses a certificate it was not told to trust: exit 1', async () => {
    const configHome = makeConfigHome();
    const r = await login(configHome);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/certificate/i);
    expect(r.stderr).toMatch(/--ca|VM_CA/);
    expect(fs.existsSync(path.join(configHome, 'vm', 'config.json'))).toBe(false);
  });

  it('logs in over https with --ca cert.pem', async () => {
    const configHome = makeConfigHome();
    const r = await login(configHome, ['--ca', cert]);
    expect(r.stderr).toContain(demo.admin.email);
    expect(r.code).toBe(0);
    const who = await runVm(['whoami', '--ca', cert], { server: backend.url, configHome });
    expect(who.code).toBe(0);
    expect(who.stdout).toContain(demo.admin.email);
  });

  it('logs in over https with VM_CA=cert.pem', async () => {
    const configHome = makeConfigHome();
    const r = await login(configHome, [], { VM_CA: cert });
    expect(r.stderr).toContain(demo.admin.email);
    expect(r.code).toBe(0);
  });

  it('refuses plain http to a host that is not this machine before connecting: exit 2, fast', async () => {
    const started = Date.now();
    const r = await runVm(['numbers', 'list'], {
      server: 'http://10.1.2.3:7080',
      timeoutMs: 10_000,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('10.1.2.3');
    expect(r.stderr).toContain('--insecure');
  });

  it('refuses plain http to a non-loopback host for login too, so no password is sent', async () => {
    const started = Date.now();
    const r = await runVm(['login', '--email', demo.admin.email, '--password-stdin'], {
      server: 'http://10.1.2.3:7080',
      stdin: `${demo.admin.password}\n`,
      timeoutMs: 10_000,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('10.1.2.3');
  });
});
