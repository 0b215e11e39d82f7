// Runs every bench/*.js but this one, in name order, each as its own process; a report, so it exits 0.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const self = path.basename(fileURLToPath(import.meta.url));
const benches = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== self)
  .sort();

for (const file of benches) {
  console.log(`# ${file}`);
  const res = spawnSync(process.execPath, [path.join(here, file)], { stdio: 'inherit' });
  if (res.status !== 0) console.log(`# ${file} exited ${res.status ?? res.signal}`);
}
