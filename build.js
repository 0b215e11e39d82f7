// Bundles the CLI (and, as lazily loaded chunks, everything it imports on demand) into dist/.
// One file at start-up instead of dozens keeps `vm --help` fast; dependencies stay in node_modules,
// except commander, which every call loads anyway.
import { build } from 'esbuild';
import fs from 'node:fs';

const pkg = JSON.parse(fs.readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const external = Object.keys(pkg.dependencies)
  .filter((name) => name !== 'commander')
  .flatMap((name) => [name, `${name}/*`]);

fs.rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });
await build({
  // The history backfill's and the webhook sender's threads are entries of their own: worker_threads
  // files beside the chunks.
  entryPoints: [
    'src/cli/entry.ts',
    { in: 'src/backend/history-thread.ts', out: 'history-thread' },
    { in: 'src/backend/webhook-thread.ts', out: 'webhook-thread' },
  ],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // commander is CommonJS: its require() calls of node built-ins need a real require in an ES module.
  banner: {
    js: "import { createRequire as __vmCreateRequire } from 'node:module'; const require = __vmCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
