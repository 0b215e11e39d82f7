#!/usr/bin/env node
// Tiny launcher: check the Node version, then load the built CLI.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 11)) {
  process.stderr.write(`vm needs Node.js 20.11 or newer; this is ${process.versions.node}\n`);
  process.exit(1);
}
const { main } = await import('../dist/entry.js');
await main();
