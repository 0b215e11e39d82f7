import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { demo, loginAs, makeConfigHome, removeTempDirs, runVm } from '../support/run-vm.js';

/** vm against a backend that limits it: the client paces itself and the job finishes, not faster than allowed. */

const LINES = 2_000;
const PAGE = 10; // VM_PAGE_SIZE: 200 requests for the 2,000 numbers
const RATE = 50; // reads a second
const BURST = 10;

describe('a list job of 200 requests against a low rate limit', () => {
  let backend: BackendProcess;
  let home: string;
  const vm = (env: Record<string, string>, ...args: string[]) =>
    runVm(args, { server: backend.url, configHome: home, env, timeoutMs: 60_000 });
  beforeAll(async () => {
    backend = await startBackendProcess({
      lines: LINES,
      rateLimit: `read=${RATE}/s:${BURST},write=5/s:10,ip=1000/s`,
    });
    home = makeConfigHome();
    await loginAs(backend.url, home, demo.admin.email, demo.admin.password);
  });
  afterAll(async () => {
    await backend.stop();
    removeTempDirs();
  });

  it('finishes without a failure, in no less time than the limit allows, paced rather than refused', async () => {
    const started = performance.now();
    const r = await vm({ VM_PAGE_SIZE: String(PAGE) }, 'numbers', 'list', '--jsonl', '-v');
    const seconds = (performance.now() - started) / 1000;
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    const numbers = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { msisdn: string }).msisdn);
    expect(numbers).toHaveLength(LINES);
    expect(new Set(numbers).size).toBe(LINES);
    const requests = r.stderr.split('\n').filter((l) => /^> GET \/v1\/numbers\?.* -> \d{3} /.test(l));
    expect(requests.filter((l) => / -> 200 /.test(l))).toHaveLength(LINES / PAGE);
    expect(requests.every((l) => l.includes(`limit=${PAGE}`))).toBe(true);
    // The burst goes at once, the other 190 requests at 50 a second: 3.8 s at the least.
    expect(seconds).toBeGreaterThanOrEqual((LINES / PAGE - BURST) / RATE - 0.1);
    // It kept to the limit by the RateLimit headers, not by being refused.
    expect(r.stderr).toMatch(/requests? left for .* \(RateLimit\), waiting \d+ ms/);
    expect(requests.filter((l) => / -> 429 /.test(l))).toEqual([]);
  }, 60_000);

  it.each(['0', '1001', 'ten', '-5'])(
    'refuses VM_PAGE_SIZE=%s before any request (exit 2), in either language',
    async (value) => {
      const r = await vm({ VM_PAGE_SIZE: value }, 'numbers', 'list', '-v');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `VM_PAGE_SIZE: "${value}" is not a page size (a whole number from 1 to 1000).`,
      );
      expect(r.stderr).not.toMatch(/^> /m);
      const ru = await vm({ VM_PAGE_SIZE: value, VM_LANG: 'ru' }, 'numbers', 'list');
      expect(ru.stderr).toContain(`VM_PAGE_SIZE: «${value}» — не размер страницы`);
    },
  );
});
