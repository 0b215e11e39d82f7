import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { parseJson, runVm } from '../support/run-vm.js';

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, unknown>;
}

/**
 * The command names listed under "Commands:" in a help text. Commander's built-in `help [command]`
 * of a command group is left out: it prints the group's own help.
 */
function commandsIn(help: string, inGroup = false): string[] {
  const section = help.split(/^Commands:\s*$/m)[1];
  if (section === undefined) return [];
  const names: string[] = [];
  for (const line of section.split('\n').slice(1)) {
    if (line.trim() === '') break;
    const m = /^ {2}([a-z][\w-]*)/.exec(line);
    if (m && !(inGroup && m[1] === 'help')) names.push(m[1] as string);
  }
  return names;
}

/**
 * Example lines of a help text that run vm: `$ vm ...`, also with an environment prefix
 * (`$ VM_TOKEN=... vm ...`) or inside a shell construct (`$ source <(vm completion bash)`).
 */
const exampleLines = (help: string) =>
  help.split('\n').filter((l) => /^\s*\$ /.test(l) && /(^|[\s(])vm\s/.test(l.replace(/^\s*\$/, '')));

describe('help and the contract of output', () => {
  it('shows help with examples for vm --help', async () => {
    const r = await runVm(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples');
    expect(commandsIn(r.stdout)).toEqual(expect.arrayContaining(['login', 'numbers', 'tokens', 'backend']));
  });

  it('shows help with examples for vm numbers list --help', async () => {
    const r = await runVm(['numbers', 'list', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples');
    expect(r.stdout).toContain('--group');
    expect(exampleLines(r.stdout).length).toBeGreaterThanOrEqual(2);
  });

  it('has at least two pasteable $ vm examples in the help of every command', async () => {
    const top = await runVm(['--help']);
    const missing: string[] = [];
    const walk = async (path: string[], names: string[]): Promise<void> => {
      await Promise.all(
        names.map(async (name) => {
          const cmd = [...path, name];
          const r = await runVm([...cmd, '--help']);
          if (r.code !== 0 || exampleLines(r.stdout).length < 2) {
            missing.push(`vm ${cmd.join(' ')} (exit ${r.code}, ${exampleLines(r.stdout).length} examples)`);
          }
          await walk(cmd, commandsIn(r.stdout, true));
        }),
      );
    };
    const commands = commandsIn(top.stdout);
    expect(commands.length).toBeGreaterThan(5);
    await walk([], commands);
    expect(missing.sort()).toEqual([]);
  });

  it('explains exit codes with vm help exit-codes', async () => {
    const r = await runVm(['help', 'exit-codes']);
    expect(r.code).toBe(0);
    for (const code of ['0', '1', '2', '3', '4', '5', '130'])
      expect(r.stdout).toMatch(new RegExp(`\\b${code}\\b`));
  });

  it('lists the environment variables with vm help environment', async () => {
    const r = await runVm(['help', 'environment']);
    expect(r.code).toBe(0);
    for (const name of ['VM_TOKEN', 'VM_SERVER', 'VM_LANG', 'NO_COLOR']) expect(r.stdout).toContain(name);
  });

  it('exits 2 for an unknown command', async () => {
    const r = await runVm(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('frobnicate');
  });

  describe('against a backend', () => {
    let backend: BackendProcess;

    beforeAll(async () => {
      backend = await startBackendProcess();
    });

    afterAll(async () => {
      await backend?.stop();
    });

    it('prints an OpenAPI 3.1 document with vm backend openapi, the same the backend serves', async () => {
      const r = await runVm(['backend', 'openapi']);
      expect(r.code).toBe(0);
      const printed = parseJson<OpenApiDoc>(r.stdout);
      expect(printed.openapi).toBe('3.1.0');
      expect(Object.keys(printed.paths)).toEqual(expect.arrayContaining(['/v1/numbers', '/v1/auth/login']));

      const res = await fetch(`${backend.url}/v1/openapi.json`);
      expect(res.status).toBe(200);
      const served = (await res.json()) as OpenApiDoc;
      expect(served.openapi).toBe('3.1.0');
      expect(served.paths).toEqual(printed.paths);
    });

    it('answers every request with an X-Request-Id header', async () => {
      for (const route of ['/v1/openapi.json', '/v1/numbers', '/v1/me', '/v1/no-such-route']) {
        const res = await fetch(`${backend.url}${route}`);
        await res.arrayBuffer();
        expect({ route, requestId: res.headers.get('x-request-id') }).toEqual({
          route,
          requestId: expect.stringMatching(/\S{6,}/),
        });
      }
      const login = await fetch(`${backend.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: 'nobody@demo.test', password: 'x' }),
      });
      await login.arrayBuffer();
      expect(login.headers.get('x-request-id')).toEqual(expect.any(String));
    });
  });
});
