import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

// The layer rules of eslint.config.js, proven on small files placed at virtual paths in each layer: the
// import written in that file must fail (or pass) `eslint` for the architecture rule, and for no other.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARCHITECTURE_RULES = new Set(['@typescript-eslint/no-restricted-imports', 'no-restricted-syntax']);

const eslint = new ESLint({ cwd: ROOT });

/** The architecture messages ESLint reports for `code` as if it were the file at `file`. */
async function violations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath: path.join(ROOT, file) });
  const other = result.messages.filter((m) => !ARCHITECTURE_RULES.has(m.ruleId ?? ''));
  // Any other message (a parse error, an unused variable) would make a "passes" case prove nothing.
  expect(other.map((m) => `${m.ruleId}: ${m.message}`)).toEqual([]);
  return result.messages.map((m) => m.message);
}

const use = (name: string) => `console.log(${name});`;

describe('the architecture (eslint.config.js)', () => {
  it.each([
    // Domain imports nothing of the project.
    ['src/domain/x.ts', "import { Store } from '../backend/store/store.js';", 'Store'],
    ['src/domain/x.ts', "import { routes } from '../api/routes.js';", 'routes'],
    ['src/domain/x.ts', "import { Client } from '../client/client.js';", 'Client'],
    ['src/domain/x.ts', "import { run } from '../cli/main.js';", 'run'],
    [
      'src/domain/x.ts',
      "import type { Store } from '../backend/store/store.js';",
      'null as unknown as Store',
    ],
    ['src/domain/x.ts', "export { Store } from '../backend/store/store.js';", '0'],
    ['src/domain/x.ts', "export * from '../api/routes.js';", '0'],
    ['src/domain/x.ts', "const m = await import('../backend/server.js');", 'm'],
    ['src/domain/x.ts', "import Database from 'better-sqlite3';", 'Database'],
    // The contract imports only the domain.
    ['src/api/x.ts', "import { Client } from '../client/client.js';", 'Client'],
    ['src/api/x.ts', "import { Store } from '../backend/store/store.js';", 'Store'],
    ['src/api/x.ts', "import { register } from '../cli/commands/numbers.js';", 'register'],
    ['src/api/x.ts', "import fastify from 'fastify';", 'fastify'],
    // The client imports only the contract and the domain.
    ['src/client/x.ts', "import { render } from '../cli/output/render.js';", 'render'],
    ['src/client/x.ts', "import { startBackend } from '../backend/server.js';", 'startBackend'],
    ['src/client/x.ts', "const m = await import('../backend/engine/paging.js');", 'm'],
    // The CLI never imports the backend, statically or lazily...
    ['src/cli/commands/numbers.ts', "import { Store } from '../../backend/store/store.js';", 'Store'],
    [
      'src/cli/context.ts',
      "import type { Store } from '../backend/store/store.js';",
      'null as unknown as Store',
    ],
    ['src/cli/commands/numbers.ts', "const m = await import('../../backend/server.js');", 'm'],
    ['src/cli/x.ts', "let s: import('../backend/store/store.js').Store | undefined;", 's'],
    ['src/cli/x.ts', "const m = await import('better-sqlite3');", 'm'],
    // ...and `vm backend` / `vm demo` may only import() the composition root, nothing else of the backend.
    [
      'src/cli/commands/backend.ts',
      "import { startBackend } from '../../backend/server.js';",
      'startBackend',
    ],
    ['src/cli/commands/backend.ts', "const m = await import('../../backend/store/store.js');", 'm'],
    ['src/cli/commands/demo.ts', "const m = await import('../../backend/engine/worker.js');", 'm'],
    // A computed import() cannot be checked, so it is refused.
    ['src/cli/x.ts', "const name = 'server'; const m = await import(`../backend/${name}.js`);", 'm'],
    // HTTP: never the store's implementation, never SQL, never the CLI.
    ['src/backend/http/x.ts', "import { Store } from '../store/store.js';", 'Store'],
    ['src/backend/http/x.ts', "import { NumbersRepo } from '../store/numbers-repo.js';", 'NumbersRepo'],
    ['src/backend/http/x.ts', "const m = await import('../store/db.js');", 'm'],
    ['src/backend/http/x.ts', "import Database from 'better-sqlite3';", 'Database'],
    ['src/backend/http/x.ts', "import { run } from '../../cli/main.js';", 'run'],
    ['src/backend/http/x.ts', "import { startBackend } from '../server.js';", 'startBackend'],
    // Engine never imports HTTP (nor fastify, nor SQLite directly).
    ['src/backend/engine/x.ts', "import { buildApp } from '../http/app.js';", 'buildApp'],
    [
      'src/backend/engine/x.ts',
      "import type { BackendServices } from '../http/context.js';",
      'null as unknown as BackendServices',
    ],
    ['src/backend/engine/x.ts', "import fastify from 'fastify';", 'fastify'],
    ['src/backend/engine/x.ts', "import Database from 'better-sqlite3';", 'Database'],
    ['src/backend/engine/x.ts', "import { Client } from '../../client/client.js';", 'Client'],
    // Store never imports the engine or HTTP.
    ['src/backend/store/x.ts', "import { OperationWorker } from '../engine/worker.js';", 'OperationWorker'],
    [
      'src/backend/store/x.ts',
      "import type { Principal } from '../engine/authz.js';",
      'null as unknown as Principal',
    ],
    ['src/backend/store/x.ts', "import { buildApp } from '../http/app.js';", 'buildApp'],
    ['src/backend/store/x.ts', "import fastify from 'fastify';", 'fastify'],
    // seed-repo.ts had an exception (a type from the engine) until the store described its own input.
    [
      'src/backend/store/seed-repo.ts',
      "import type { DemoCompany } from '../engine/demo-company.js';",
      'null as unknown as DemoCompany',
    ],
    // The composition root never imports the CLI or the client.
    ['src/backend/server.ts', "import { run } from '../cli/main.js';", 'run'],
  ])('refuses %s: %s', async (file, line, name) => {
    const messages = await violations(file, `${line}\n${use(name)}`);
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(m).toMatch(/Architecture: /);
  });

  it.each([
    [
      'src/domain/x.ts',
      "import { parsePhoneNumberFromString } from 'libphonenumber-js/min';",
      'parsePhoneNumberFromString',
    ],
    ['src/domain/x.ts', "import crypto from 'node:crypto';", 'crypto'],
    ['src/domain/x.ts', "import { formatMoney } from './money.js';", 'formatMoney'],
    ['src/api/x.ts', "import { normalizeMsisdn } from '../domain/msisdn.js';", 'normalizeMsisdn'],
    ['src/client/x.ts', "import { endpoints } from '../api/endpoints.js';", 'endpoints'],
    ['src/cli/commands/numbers.ts', "import { Client } from '../../client/client.js';", 'Client'],
    ['src/cli/commands/numbers.ts', "const m = await import('../../domain/msisdn.js');", 'm'],
    ['src/cli/commands/backend.ts', "const m = await import('../../backend/server.js');", 'm'],
    ['src/cli/commands/demo.ts', "const m = await import('../../backend/server.js');", 'm'],
    ['src/backend/http/x.ts', "import type { Store } from '../store/store.js';", 'null as unknown as Store'],
    ['src/backend/http/x.ts', "let s: import('../store/store.js').Store | undefined;", 's'],
    ['src/backend/http/x.ts', "import { AuthService } from '../engine/auth-service.js';", 'AuthService'],
    ['src/backend/http/x.ts', "import fastify from 'fastify';", 'fastify'],
    [
      'src/backend/engine/x.ts',
      "import type { Store } from '../store/store.js';",
      'null as unknown as Store',
    ],
    ['src/backend/engine/x.ts', "import { ApiError } from '../../api/errors.js';", 'ApiError'],
    ['src/backend/store/x.ts', "import Database from 'better-sqlite3';", 'Database'],
    ['src/backend/store/x.ts', "import type { Line } from '../../api/lines.js';", 'null as unknown as Line'],
    ['src/backend/server.ts', "import { buildApp } from './http/app.js';", 'buildApp'],
    ['src/backend/server.ts', "import { Store } from './store/store.js';", 'Store'],
    // Tests may reach anything.
    ['test/unit/x.test.ts', "import { Store } from '../../src/backend/store/store.js';", 'Store'],
  ])('allows %s: %s', async (file, line, name) => {
    expect(await violations(file, `${line}\n${use(name)}`)).toEqual([]);
  });

  it('needs no-restricted-syntax for import(): the import rule alone sees only static imports', async () => {
    const importsOnly = new ESLint({
      cwd: ROOT,
      overrideConfig: { rules: { 'no-restricted-syntax': 'off' } },
    });
    const code = "const m = await import('../backend/server.js');\nconsole.log(m);\nexport {};\n";
    const [result] = await importsOnly.lintText(code, { filePath: path.join(ROOT, 'src/cli/x.ts') });
    expect(result.messages).toEqual([]);
  });

  it('holds for the code as it is (no architecture message anywhere in src)', async () => {
    const results = await eslint.lintFiles(['src']);
    const found = results.flatMap((r) =>
      r.messages
        .filter((m) => ARCHITECTURE_RULES.has(m.ruleId ?? ''))
        .map((m) => `${path.relative(ROOT, r.filePath)}:${m.line} ${m.message}`),
    );
    expect(found).toEqual([]);
  });
});
