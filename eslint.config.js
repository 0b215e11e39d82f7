import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------------------
// The architecture of docs/DESIGN.md ("Layout", "Layers and allowed imports"), enforced: a file that imports
// across a forbidden boundary fails `eslint`. test/unit/architecture.test.ts proves every rule below.
//
// Imports are matched on their specifier text, so each layer is named by its folder as it appears in a
// relative specifier ('../../backend/server.js', '../store/store.js'); folder names are unique under src/.
// Static imports and re-exports: @typescript-eslint/no-restricted-imports (the core rule plus
// `allowTypeImports`; it ships with typescript-eslint, no extra dependency). The core rule does not look at
// `import()` expressions nor at `import('…').T` types, so the same patterns also go to no-restricted-syntax.
// ---------------------------------------------------------------------------------------------------------

/** A relative specifier going through the folder `dir`. */
const through = (dir) => `^\\.\\.?/(?:.*/)?${dir}/`;
const LAYER = {
  cli: { regex: through('cli'), name: 'the CLI (src/cli)' },
  client: { regex: through('client'), name: 'the client (src/client)' },
  api: { regex: through('api'), name: 'the contract (src/api)' },
  backend: { regex: through('backend'), name: 'the backend (src/backend)' },
  http: { regex: through('http'), name: 'the HTTP layer (src/backend/http)' },
  engine: { regex: through('engine'), name: 'the engine (src/backend/engine)' },
  store: { regex: through('store'), name: 'the store (src/backend/store)' },
  server: {
    regex: '^\\.\\.?/(?:.*/)?server\\.js$',
    name: 'the backend composition root (src/backend/server.ts)',
  },
  // Libraries that make a module "know HTTP" or "know SQL": only the HTTP layer (and the composition
  // root) knows fastify, only the store knows SQLite.
  fastify: { regex: '^(?:fastify|@fastify/.*)$', name: 'fastify (HTTP belongs in src/backend/http)' },
  sqlite: { regex: '^better-sqlite3$', name: 'better-sqlite3 (SQL belongs in src/backend/store)' },
};

/**
 * The rules for one layer: `forbid` lists layers it never imports, `typesOnly` layers it may import with
 * `import type` only. Narrow exceptions, by exact specifier: `allowTypes` tolerates its `import type`,
 * `allowDynamic` its `import()`.
 */
function layerRules(self, { forbid = [], typesOnly = [], allowTypes = [], allowDynamic = [] }) {
  const message = (to, how = '') =>
    `Architecture: ${self} never imports ${LAYER[to].name}${how}. See docs/DESIGN.md.`;
  const patterns = [
    ...forbid.map((to) => ({ regex: LAYER[to].regex, message: message(to) })),
    ...typesOnly.map((to) => ({
      regex: LAYER[to].regex,
      allowTypeImports: true,
      message: message(to, ' except with `import type`'),
    })),
    // An exact specifier whose type-only import is tolerated (a known exception, listed in DESIGN).
    ...allowTypes.map(({ specifier, why }) => ({
      regex: `^${specifier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
      allowTypeImports: true,
      message: `Architecture: only \`import type\` of ${specifier} is tolerated here (${why}).`,
    })),
  ];
  // esquery regexes end at the first '/', so slashes are written as \x2F.
  const esq = (regex) => `/${regex.replaceAll('/', '\\x2F')}/`;
  const not = allowDynamic.map((s) => `:not([source.value='${s}'])`).join('');
  const syntax = [
    ...[...forbid, ...typesOnly].map((to) => ({
      selector: `ImportExpression[source.value=${esq(LAYER[to].regex)}]${not}`,
      message: message(to, ', not even with import()'),
    })),
    ...forbid.map((to) => ({
      selector: `TSImportType[argument.literal.value=${esq(LAYER[to].regex)}]`,
      message: message(to, ', not even as an import() type'),
    })),
    {
      // A computed specifier would slip past every rule above.
      selector: "ImportExpression[source.type!='Literal']",
      message: 'Architecture: import() takes a string literal, so the layer rules can check it.',
    },
  ];
  return {
    '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
    'no-restricted-syntax': ['error', ...syntax],
  };
}

const ALL_BACKEND = ['backend', 'fastify', 'sqlite'];
const architecture = [
  // Domain: pure logic; imports nothing of the project, only node builtins and libraries.
  {
    files: ['src/domain/**/*.ts'],
    rules: layerRules('the domain (src/domain)', { forbid: ['cli', 'client', 'api', ...ALL_BACKEND] }),
  },
  // Contract: imports only the domain.
  {
    files: ['src/api/**/*.ts'],
    rules: layerRules('the contract (src/api)', { forbid: ['cli', 'client', ...ALL_BACKEND] }),
  },
  // Client: imports only the contract and the domain.
  {
    files: ['src/client/**/*.ts'],
    rules: layerRules('the client (src/client)', { forbid: ['cli', ...ALL_BACKEND] }),
  },
  // CLI: the client, the contract, the domain; never the backend...
  {
    files: ['src/cli/**/*.ts'],
    rules: layerRules('the CLI (src/cli)', { forbid: ALL_BACKEND }),
  },
  // ...except `vm backend` and `vm demo`, which start it: a lazy import() of the composition root only,
  // so `vm --help` and every other command never load fastify or SQLite.
  {
    files: ['src/cli/commands/backend.ts', 'src/cli/commands/demo.ts'],
    rules: layerRules('the CLI (src/cli)', {
      forbid: ALL_BACKEND,
      allowDynamic: ['../../backend/server.js'],
    }),
  },
  // HTTP: the engine, the contract, the domain; the store's types only (the services object carries the
  // Store), never its implementation, and never SQLite.
  {
    files: ['src/backend/http/**/*.ts'],
    rules: layerRules('the HTTP layer (src/backend/http)', {
      forbid: ['cli', 'client', 'server', 'sqlite'],
      typesOnly: ['store'],
    }),
  },
  // Engine: the store, the contract, the domain; never HTTP.
  {
    files: ['src/backend/engine/**/*.ts'],
    rules: layerRules('the engine (src/backend/engine)', {
      forbid: ['cli', 'client', 'http', 'server', 'fastify', 'sqlite'],
    }),
  },
  // Store: the contract's and the domain's types; never the engine or HTTP.
  {
    files: ['src/backend/store/**/*.ts'],
    rules: layerRules('the store (src/backend/store)', {
      forbid: ['cli', 'client', 'http', 'engine', 'server', 'fastify'],
    }),
  },
  // The composition root wires HTTP, engine and store together; it never imports the CLI or the client.
  {
    files: ['src/backend/server.ts', 'src/backend/history-thread.ts', 'src/backend/webhook-thread.ts'],
    rules: layerRules('the backend (src/backend/server.ts)', { forbid: ['cli', 'client'] }),
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tmp/**', 'docs/openapi.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...architecture,
);
