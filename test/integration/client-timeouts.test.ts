import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { VmClient } from '../../src/client/client.js';
import { runCommand } from '../support/cli-harness.js';

/**
 * Timeouts and network failures against raw servers on 127.0.0.1: one that accepts and never answers,
 * one that answers the headers and then goes silent, one that trickles, a closed port, a host that does
 * not resolve. Timeouts are 0.3 s, so a test waits no longer than the timeout it checks (and its retries).
 */

interface RawServer {
  url: string;
  /** Connections accepted. */
  connections: () => number;
  /** HTTP requests that arrived (their headers were read). */
  requests: () => number;
  close: () => Promise<void>;
}

const servers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function listen(server: net.Server, scheme: 'http' | 'https'): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return `${scheme}://127.0.0.1:${port}`;
}

/** Accepts TCP connections and never says a word: over https the TLS handshake never ends either. */
async function silentServer(scheme: 'http' | 'https' = 'http'): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let requests = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('data', (d) => (requests += (d.toString('latin1').match(/ HTTP\/1\.1\r\n/g) ?? []).length));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const url = await listen(server, scheme);
  const s: RawServer = {
    url,
    connections: () => connections,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  servers.push(s);
  return s;
}

/** An HTTP server whose handler writes what it likes (and may never finish). */
async function httpServer(handle: (res: http.ServerResponse) => void): Promise<RawServer> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    handle(res);
  });
  const url = await listen(server, 'http');
  const s: RawServer = {
    url,
    connections: () => requests,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(s);
  return s;
}

function client(server: string, extra: Partial<ConstructorParameters<typeof VmClient>[0]> = {}) {
  return new VmClient({
    server,
    userAgent: 't',
    timeoutMs: 300,
    connectTimeoutMs: 300,
    sleep: async () => undefined,
    ...extra,
  });
}

/** How long `fn` took to settle, in ms, with its rejection. */
async function timed(fn: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const start = Date.now();
  try {
    await fn();
    return { ms: Date.now() - start, error: undefined };
  } catch (error) {
    return { ms: Date.now() - start, error };
  }
}

describe('the client, when the backend is slow or away', () => {
  it('ends a call whose server accepted the connection and never answers, as an answer timeout', async () => {
    const s = await silentServer();
    const c = client(s.url, { retries: 0 });
    const { ms, error } = await timed(() => c.call('me.show'));
    expect(error).toMatchObject({
      name: 'NetworkError',
      causeCode: 'ETIMEDOUT',
      phase: 'answer',
      timeoutSeconds: 0.3,
    });
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(2000);
    await c.close();
  });

  it('bounds the whole answer of a call: a server trickling a byte every 100 ms is cut at the timeout', async () => {
    const s = await httpServer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":1');
      const drip = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(drip));
    });
    const c = client(s.url, { retries: 0 });
    const { ms, error } = await timed(() => c.call('me.show'));
    expect(error).toMatchObject({ name: 'NetworkError', phase: 'answer', timeoutSeconds: 0.3 });
    expect(ms).toBeLessThan(2000);
    await c.close();
  });

  it('lets a download take longer than the timeout while bytes keep coming', async () => {
    // A byte every 50 ms against 0.5 s: a busy test machine may hold the event loop a while.
    const s = await httpServer((res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      let n = 0;
      res.write(`{"n":${n}}\n`);
      const drip = setInterval(() => {
        res.write(`{"n":${++n}}\n`);
        if (n === 15) {
          clearInterval(drip);
          res.end();
        }
      }, 50);
      res.on('close', () => clearInterval(drip));
    });
    const c = client(s.url, { timeoutMs: 500 });
    const { ms, error } = await timed(async () => {
      const body = await c.stream('detailRequests.file', { params: { id: 'dr_1' } });
      expect((await text(body)).split('\n')).toHaveLength(17);
    });
    expect(error).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(700);
    await c.close();
  });

  it('ends a download whose server sent the headers, then went silent for the timeout', async () => {
    const s = await httpServer((res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"n":1}\n');
    });
    const c = client(s.url);
    const { ms, error } = await timed(async () =>
      text(await c.stream('detailRequests.file', { params: { id: 'dr_1' } })),
    );
    expect(error).toMatchObject({ name: 'NetworkError', phase: 'answer', timeoutSeconds: 0.3 });
    expect(ms).toBeLessThan(2000);
    await c.close();
  });

  it('ends a connection that does not complete in the connect timeout (a TLS handshake that never ends)', async () => {
    const s = await silentServer('https');
    const c = client(s.url, { retries: 0, timeoutMs: 30_000 });
    const { ms, error } = await timed(() => c.call('me.show'));
    expect(error).toMatchObject({
      name: 'NetworkError',
      causeCode: 'ETIMEDOUT',
      phase: 'connect',
      timeoutSeconds: 0.3,
    });
    expect(ms).toBeLessThan(2000);
    await c.close();
  });

  it('resends a plain POST after a connect timeout: nothing reached the server', async () => {
    const s = await silentServer('https');
    const c = client(s.url, { retries: 1 });
    await expect(c.call('auth.logout')).rejects.toMatchObject({ phase: 'connect', timeoutSeconds: 0.3 });
    expect(s.connections()).toBe(2);
    await c.close();
  });

  it('never resends a POST without an Idempotency-Key after an answer timeout: it may have done its work', async () => {
    const s = await silentServer();
    const c = client(s.url, { retries: 3 });
    await expect(c.call('auth.logout')).rejects.toMatchObject({ phase: 'answer', timeoutSeconds: 0.3 });
    expect(s.requests()).toBe(1);
    await c.close();
  });

  it('resends a GET after an answer timeout, as before', async () => {
    const s = await silentServer();
    const c = client(s.url, { retries: 1 });
    await expect(c.call('me.show')).rejects.toMatchObject({ phase: 'answer' });
    expect(s.requests()).toBe(2);
    await c.close();
  });

  it('says a closed port refused the connection, in the connect phase', async () => {
    const s = await silentServer();
    await s.close();
    const c = client(s.url, { retries: 0 });
    await expect(c.call('me.show')).rejects.toMatchObject({
      causeCode: 'ECONNREFUSED',
      phase: 'connect',
      timeoutSeconds: undefined,
    });
    await c.close();
  });

  it('says a host that does not resolve is a DNS failure, in the connect phase', async () => {
    const c = client('http://nohost.invalid:7080', { insecure: true, retries: 0, connectTimeoutMs: 5000 });
    const { error } = await timed(() => c.call('me.show'));
    expect(error).toMatchObject({ name: 'NetworkError', phase: 'connect' });
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain((error as { causeCode: string }).causeCode);
    await c.close();
  });
});

describe('vm, when the backend is slow or away', () => {
  let configHome: string;
  beforeEach(() => {
    configHome = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-timeouts-'));
  });
  afterEach(() => fs.rmSync(configHome, { recursive: true, force: true }));

  const vm = (argv: string[], env: NodeJS.ProcessEnv = {}, stdin?: string) =>
    runCommand(undefined, argv, { env: { XDG_CONFIG_HOME: configHome, VM_TOKEN: 'vmt_x', ...env }, stdin });
  /** `vm login` sends a POST without an Idempotency-Key: one attempt, so one timeout to wait. */
  const login = ['login', '--email', 'a@b.c', '--password-stdin'];

  it('says the backend accepted the connection but did not answer in 0.3 s, with what to do: exit 1', async () => {
    const s = await silentServer();
    const r = await vm([...login, '--timeout', '0.3'], { VM_SERVER: s.url }, 'pw\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `vm: The backend at ${s.url} did not answer in 0.3 s (it accepted the connection, so it is running but busy). For long reports use --no-wait, or --timeout SECONDS (VM_TIMEOUT).\n`,
    );
    expect(r.stderr).not.toMatch(/Cannot reach/);
    expect(s.requests()).toBe(1);
  });

  it('says it in Russian with --lang ru', async () => {
    const s = await silentServer();
    const r = await vm([...login, '--lang', 'ru'], { VM_SERVER: s.url, VM_TIMEOUT: '0.3' }, 'pw\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `vm: Бэкенд ${s.url} не ответил за 0.3 с (соединение он принял — значит, работает, но занят). Для долгих отчётов используйте --no-wait или --timeout СЕКУНДЫ (VM_TIMEOUT).\n`,
    );
  });

  it('says the connection was not made in the connect timeout, naming its seconds: exit 1', async () => {
    const s = await silentServer('https');
    // Nothing reached the server, so even the login goes again: one retry keeps the test short.
    const r = await vm(
      [...login, '--connect-timeout', '0.3', '--retries', '1'],
      { VM_SERVER: s.url },
      'pw\n',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^vm: The backend at https:\/\/127\.0\.0\.1:\d+ did not accept a connection in 0\.3 s/,
    );
    expect(r.stderr).toContain('--connect-timeout SECONDS or VM_CONNECT_TIMEOUT');
  });

  it('says a refused connection is a backend that is not running: exit 1', async () => {
    const s = await silentServer();
    await s.close();
    const r = await vm([...login], { VM_SERVER: s.url }, 'pw\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Cannot reach the backend at .* \(ECONNREFUSED\)\. Is it running\?/);
  });

  it('says a host that does not resolve is a name to check: exit 1', async () => {
    const r = await vm(['whoami', '--server', 'http://nohost.invalid:7080', '--insecure']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^vm: Cannot find the host nohost\.invalid of http:\/\/nohost\.invalid:7080 \((ENOTFOUND|EAI_AGAIN)\)/,
    );
  });

  it.each([
    [['--timeout', '0'], {}, '--timeout: "0"'],
    [['--timeout', 'soon'], {}, '--timeout: "soon"'],
    [['--connect-timeout', '-1'], {}, '--connect-timeout: "-1"'],
    [[], { VM_TIMEOUT: '1e3' }, 'VM_TIMEOUT: "1e3"'],
    [[], { VM_CONNECT_TIMEOUT: 'x' }, 'VM_CONNECT_TIMEOUT: "x"'],
  ])('refuses a timeout of %j %j as a usage error: exit 2', async (argv, env, said) => {
    const r = await vm(['whoami', ...argv], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`vm: ${said} is not a number of seconds greater than 0.\n`);
  });

  it('shows both timeouts and their defaults in vm help environment and vm --help', async () => {
    const env = await vm(['help', 'environment']);
    expect(env.stdout).toMatch(/VM_TIMEOUT .*default 30/);
    expect(env.stdout).toMatch(/VM_CONNECT_TIMEOUT .*default 5/);
    const help = await vm(['--help']);
    expect(help.stdout).toMatch(/--timeout <seconds>[^]*default 30/);
    expect(help.stdout).toMatch(/--connect-timeout <seconds>[^]*default 5/);
  });
});
