import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, startBackendProcess, type BackendProcess } from '../support/backend-process.js';
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

  it('remembers the --ca of vm login in the profile, as an absolute path, for later commands', async () => {
    const configHome = makeConfigHome();
    // Relative to the working directory of the login (vm runs in the repository root).
    const r = await login(configHome, ['--ca', path.relative(repoRoot, cert)]);
    expect(r.code).toBe(0);
    const saved = JSON.parse(fs.readFileSync(path.join(configHome, 'vm', 'config.json'), 'utf8')) as {
      profiles: Record<string, { ca?: string }>;
    };
    expect(saved.profiles.default?.ca).toBe(path.resolve(cert));
    const who = await runVm(['whoami'], { server: backend.url, configHome });
    expect(who.stderr).toBe('');
    expect(who.code).toBe(0);
    expect(who.stdout).toContain(demo.admin.email);
    // Logging in again needs no --ca either, and keeps it.
    const again = await login(configHome);
    expect(again.code).toBe(0);
    expect((await runVm(['whoami'], { server: backend.url, configHome })).code).toBe(0);
  });

  it('lets VM_CA and --ca of a later command override the remembered CA', async () => {
    const configHome = makeConfigHome();
    expect((await login(configHome, ['--ca', cert])).code).toBe(0);
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-tls-other-'));
    try {
      const other = makeSelfSignedCertificate(otherDir).cert;
      const byEnv = await runVm(['whoami'], { server: backend.url, configHome, env: { VM_CA: other } });
      expect(byEnv.code).toBe(1);
      expect(byEnv.stderr).toMatch(/certificate/i);
      const byFlag = await runVm(['whoami', '--ca', other], { server: backend.url, configHome });
      expect(byFlag.code).toBe(1);
      expect(byFlag.stderr).toMatch(/certificate/i);
      const missing = await runVm(['whoami', '--ca', path.join(otherDir, 'nope.pem')], {
        server: backend.url,
        configHome,
      });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('nope.pem');
    } finally {
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('trusts the remembered CA only for the server it was remembered with', async () => {
    const configHome = makeConfigHome();
    expect((await login(configHome, ['--ca', cert])).code).toBe(0);
    const elsewhere = backend.url.replace('127.0.0.1', 'localhost');
    const r = await runVm(['whoami'], { server: elsewhere, configHome });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/certificate/i);
  });

  it('says which remembered CA file is gone and how to fix it', async () => {
    const configHome = makeConfigHome();
    const copy = path.join(certDir, 'copy.pem');
    fs.copyFileSync(cert, copy);
    expect((await login(configHome, ['--ca', copy])).code).toBe(0);
    fs.rmSync(copy);
    const r = await runVm(['whoami'], { server: backend.url, configHome });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(copy);
    expect(r.stderr).toContain('vm login');
    expect(r.stderr).toContain('--ca');
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
