import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { memoryOf, rawRequest } from '../support/raw-http.js';

const MB = 1024 * 1024;
const JSON_TYPE = { 'content-type': 'application/json' };

let backend: BackendProcess;
let bearer: Record<string, string>;

beforeAll(async () => {
  backend = await startBackendProcess({ lines: 50, testMode: true });
  const login = await fetch(`${backend.url}/v1/auth/login`, {
    method: 'POST',
    headers: JSON_TYPE,
    body: JSON.stringify({ login: 'admin@demo.test', password: 'admin-demo-1' }),
  });
  bearer = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
});
afterAll(async () => {
  await backend.stop();
});

describe('a body is not read before the caller and its size are known', () => {
  it('answers 401 to a caller without a token before a byte of the announced body arrives', async () => {
    // Only the headers are sent: an answer can only come from a backend that does not wait for the body.
    const res = await rawRequest(backend.url, {
      path: '/v1/operations',
      headers: { ...JSON_TYPE, 'content-length': String(20 * MB) },
      body: 'headers-only',
    });
    expect(res.status).toBe(401);
    expect(res.json.error).toMatchObject({ code: 'unauthenticated' });
  });

  it('answers 401 to a caller with an unknown token before reading the body', async () => {
    const res = await rawRequest(backend.url, {
      path: '/v1/operations',
      headers: { ...JSON_TYPE, authorization: 'Bearer vms_nobody', 'content-length': String(20 * MB) },
      body: 'headers-only',
    });
    expect(res.status).toBe(401);
  });

  it('refuses a Content-Length over the route limit with 413 payload_too_large, before authentication', async () => {
    for (const headers of [{}, bearer]) {
      const res = await rawRequest(backend.url, {
        path: '/v1/payments',
        headers: { ...JSON_TYPE, ...headers, 'content-length': String(2 * MB) },
        body: 'headers-only',
      });
      expect(res.status).toBe(413);
      expect(res.json.error).toMatchObject({ code: 'payload_too_large' });
      expect(typeof res.json.error?.requestId).toBe('string');
    }
  });

  it('gives operations.create the room of a bulk change but not more', async () => {
    const over = await rawRequest(backend.url, {
      path: '/v1/operations',
      headers: { ...JSON_TYPE, ...bearer, 'content-length': String(40 * MB) },
      body: 'headers-only',
    });
    expect(over.status).toBe(413);
  });

  it('cuts a chunked body without Content-Length off at the route limit', async () => {
    // The body never ends: only a backend that counts while it reads can answer.
    const res = await rawRequest(backend.url, {
      path: '/v1/payments',
      headers: { ...JSON_TYPE, ...bearer, 'transfer-encoding': 'chunked' },
      body: 'endless',
    });
    expect(res.status).toBe(413);
    expect(res.json.error).toMatchObject({ code: 'payload_too_large' });
  });

  /** Sends four `body`s at once to `path` per framing (sized, then chunked); the answers' statuses. */
  const four = async (path: string, headers: Record<string, string>, body: Buffer) => {
    const statuses: (number | null)[] = [];
    const framings: Record<string, string>[] = [
      { 'content-length': String(body.length) },
      { 'transfer-encoding': 'chunked' },
    ];
    for (const framing of framings) {
      const answers = await Promise.all(
        [1, 2, 3, 4].map(() =>
          rawRequest(backend.url, { path, headers: { ...headers, ...framing }, body, timeoutMs: 60_000 }),
        ),
      );
      statuses.push(...answers.map((a) => a.status));
    }
    return statuses;
  };

  it('stays small while four unauthenticated 70 MB bodies arrive at once, sized or chunked', async () => {
    const pid = backend.process.pid as number;
    const before = memoryOf(pid);
    // 70 MB: over every route's limit when sized (413 before reading), refused for want of a caller when
    // chunked (401 before reading); either way nothing is buffered.
    const statuses = await four('/v1/operations', JSON_TYPE, Buffer.alloc(70 * 1000 * 1000, 0x20));
    const after = memoryOf(pid);
    expect(before.rssMb).toBeLessThan(250);
    expect(after.peakMb).toBeLessThan(250);
    expect(after.rssMb).toBeLessThan(250);
    // A refused body's connection is closed after the answer; a client still sending may see the reset
    // before it reads the answer (null). Never anything else: nothing was accepted, nothing buffered.
    expect(statuses.slice(0, 4).filter((s) => s !== 413 && s !== null)).toEqual([]);
    expect(statuses.slice(4).filter((s) => s !== 401 && s !== null)).toEqual([]);
    expect(statuses.filter((s) => s !== null).length).toBeGreaterThan(0);
  });

  it('streams an authenticated 70 MB attachment to disk and stops it at 10 MiB, staying small', async () => {
    const pid = backend.process.pid as number;
    const headers = { ...bearer, 'content-type': 'application/octet-stream' };
    const statuses = await four('/v1/uploads?name=big.bin', headers, Buffer.alloc(70 * 1000 * 1000, 0x41));
    const after = memoryOf(pid);
    expect(after.peakMb).toBeLessThan(250);
    expect(statuses.filter((s) => s !== 413 && s !== null)).toEqual([]); // null: reset after the 413
    expect(statuses.filter((s) => s === 413).length).toBeGreaterThan(0);
    // Nothing half-written is left behind.
    const fs = await import('node:fs');
    const files = fs.existsSync(`${backend.dataDir}/attachments`)
      ? fs.readdirSync(`${backend.dataDir}/attachments`)
      : [];
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // A file within the limit is stored and can be attached.
    const ok = await rawRequest(backend.url, {
      path: '/v1/uploads?name=small.txt',
      headers: { ...headers, 'content-length': '5' },
      body: Buffer.from('hello'),
    });
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ name: 'small.txt', size: 5 });
  });
});

describe('malformed JSON', () => {
  const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

  it.each([
    // 5,000 levels: 50,000 would not fit the 16 KiB a login may send (413 before parsing).
    ['a public route', '/v1/auth/login', `{"login":${deep(5_000)},"password":"x"}`, false],
    [
      'an operation parameter',
      '/v1/operations?dryRun=true',
      `{"type":"number.block","params":{"x":${deep(50_000)}},"targets":[{"msisdn":"+79000000001"}]}`,
      true,
    ],
    [
      'an extra field of an appeal',
      '/v1/appeals',
      `{"type":"question","subject":"s","text":"t","x":${deep(50_000)}}`,
      true,
    ],
    ['a whole body', '/v1/payments', deep(50_000), true],
  ])(
    'answers 400 invalid_request to JSON nested thousands of levels deep in %s',
    async (_what, path, body, auth) => {
      const res = await rawRequest(backend.url, {
        path,
        headers: { ...JSON_TYPE, ...(auth ? bearer : {}) },
        body: String(body),
      });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'invalid_request' });
    },
  );

  it('answers 400 invalid_request with the error object to a body that is not JSON', async () => {
    for (const body of ['{"account":', '{account: 1}', '\u0000']) {
      const res = await rawRequest(backend.url, {
        path: '/v1/payments',
        headers: { ...JSON_TYPE, ...bearer },
        body,
      });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'invalid_request', message: expect.any(String) });
      expect(typeof res.json.error?.requestId).toBe('string');
    }
  });

  it('still accepts a deep but sensible body', async () => {
    const res = await rawRequest(backend.url, {
      path: '/v1/operations?dryRun=true',
      headers: { ...JSON_TYPE, ...bearer },
      body: JSON.stringify({
        type: 'number.block',
        params: { reason: 'lost' },
        filter: undefined,
        targets: [{ msisdn: '+79000000001', params: { reason: 'lost' } }],
      }),
    });
    expect(res.status).toBe(200);
  });
});
