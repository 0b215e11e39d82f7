import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/backend-process.js';
import { oldestNode, refusingNode, runtimePackages } from '../support/engines.js';

describe('the Node.js versions vm runs on', () => {
  it('reads the oldest Node.js from package.json: 20.11.0', () => {
    expect(oldestNode(repoRoot)).toBe('20.11.0');
  });

  it('installs no runtime dependency that refuses the oldest Node.js vm supports', () => {
    const packages = runtimePackages(repoRoot);
    // The closure is the real one: fastify's own dependencies are in it, jest (a devDependency) is not.
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['fastify', 'light-my-request']));
    expect(packages.map((p) => p.name)).not.toContain('jest');
    expect(refusingNode(oldestNode(repoRoot), packages)).toEqual([]);
  });
});

describe('the engines check', () => {
  let dir: string;

  /** Writes node_modules/<at>/package.json (or the root's, for '') under the fixture tree. */
  function pkg(at: string, manifest: Record<string, unknown>): void {
    const target = path.join(dir, at);
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, 'package.json'), JSON.stringify(manifest));
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-engines-'));
    // light-my-request 6.7 took cookie@2 (node >= 22): the EBADENGINE of issue 15, nested as npm put it.
    pkg('', { name: 'app', dependencies: { fastify: '^5' }, devDependencies: { 'dev-only': '1' } });
    pkg('node_modules/fastify', {
      name: 'fastify',
      version: '5.12.8',
      dependencies: { 'light-my-request': '^6' },
    });
    pkg('node_modules/fastify/node_modules/light-my-request', {
      name: 'light-my-request',
      version: '6.8.1',
      engines: { node: '>=20' },
      dependencies: { cookie: '^2' },
    });
    pkg('node_modules/cookie', { name: 'cookie', version: '2.0.2', engines: { node: '>=22' } });
    pkg('node_modules/dev-only', { name: 'dev-only', version: '1.0.0', engines: { node: '>=99' } });
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names cookie@2, found up the tree from the package that needs it, and not a devDependency', () => {
    const packages = runtimePackages(dir);
    expect(packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual([
      'cookie@2.0.2',
      'fastify@5.12.8',
      'light-my-request@6.8.1',
    ]);
    expect(refusingNode('20.11.0', packages)).toEqual(['cookie@2.0.2 wants node >=22']);
    expect(refusingNode('22.0.0', packages)).toEqual([]);
  });

  it('takes the nearest copy: a cookie@1 beside light-my-request hides the cookie@2 above it', () => {
    pkg('node_modules/fastify/node_modules/cookie', {
      name: 'cookie',
      version: '1.1.1',
      engines: { node: '>=18' },
    });
    expect(refusingNode('20.11.0', runtimePackages(dir))).toEqual([]);
  });

  it('refuses an unparseable range and counts an installed optional dependency', () => {
    pkg('', { name: 'app', optionalDependencies: { odd: '1', absent: '1' } });
    pkg('node_modules/odd', { name: 'odd', version: '1.0.0', engines: { node: 'twenty' } });
    expect(refusingNode('20.11.0', runtimePackages(dir))).toEqual(['odd@1.0.0 wants node twenty']);
  });

  it('fails on a dependency that is not installed', () => {
    pkg('', { name: 'app', dependencies: { missing: '1' } });
    expect(() => runtimePackages(dir)).toThrow(/missing, a dependency of .* is not installed/);
  });
});
