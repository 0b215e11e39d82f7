import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';

/** One installed package that vm's runtime reaches. */
export interface InstalledPackage {
  name: string;
  version: string;
  dir: string;
  /** Its `engines.node`, when it declares one. */
  engine?: string;
}

interface Manifest {
  name?: string;
  version?: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;

/** Where Node finds `name` when `fromDir` requires it: the nearest node_modules/<name> up the tree. */
function findPackage(fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules') {
      const candidate = path.join(dir, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    }
    if (dir === path.dirname(dir)) return undefined;
  }
}

/**
 * Every package the `dependencies` of the package in `rootDir` reach, as installed there (the repository's
 * node_modules, or a global install's), never its devDependencies. A missing dependency throws: the
 * install is broken. Optional and peer dependencies count when they are installed.
 */
export function runtimePackages(rootDir: string): InstalledPackage[] {
  const found = new Map<string, InstalledPackage>();
  const queue = [fs.realpathSync(rootDir)];
  while (queue.length > 0) {
    const dir = queue.shift() as string;
    const manifest = readManifest(dir);
    const needed = Object.keys(manifest.dependencies ?? {});
    const ifThere = [
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ];
    for (const name of [...needed, ...ifThere]) {
      const depDir = findPackage(dir, name);
      if (!depDir) {
        if (needed.includes(name)) throw new Error(`${name}, a dependency of ${dir}, is not installed`);
        continue;
      }
      if (found.has(depDir)) continue;
      const dep = readManifest(depDir);
      found.set(depDir, {
        name: dep.name ?? name,
        version: dep.version ?? '?',
        dir: depDir,
        ...(dep.engines?.node ? { engine: dep.engines.node } : {}),
      });
      queue.push(depDir);
    }
  }
  return [...found.values()];
}

/**
 * The packages whose `engines.node` refuses `nodeVersion`, as "name@version wants node RANGE", checked as
 * npm checks it (EBADENGINE): prereleases count, an unparseable range refuses.
 */
export function refusingNode(nodeVersion: string, packages: InstalledPackage[]): string[] {
  return packages
    .filter(
      (p) => p.engine !== undefined && !semver.satisfies(nodeVersion, p.engine, { includePrerelease: true }),
    )
    .map((p) => `${p.name}@${p.version} wants node ${p.engine}`)
    .sort();
}

/** The oldest Node.js the package in `rootDir` says it runs on (its own `engines.node`). */
export function oldestNode(rootDir: string): string {
  const range = readManifest(rootDir).engines?.node;
  const oldest = range ? semver.minVersion(range) : null;
  if (!oldest) throw new Error(`${rootDir}/package.json has no usable engines.node`);
  return oldest.version;
}
