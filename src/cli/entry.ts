import type { Context } from './context.js';
import { run } from './main.js';

/** The process entry: real streams, real environment, exit with the code `run` gives. */
export async function main(): Promise<void> {
  let ctx: Context | undefined;
  // `vm numbers list | head` closes the pipe early: that is the reader's choice, not an error. The exit
  // code is what the run has recorded so far (a bulk change's 3 still reads 3).
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(ctx?.exitCode ?? 0);
    throw err;
  });
  // Number files (--file) may hold 100,000 rows, which a change reads twice: V8's heap sized for memory
  // keeps the run's peak flat (a dry run of 100,000 numbers: 100 MB instead of 160 MB, 0.8 s slower),
  // as the backend's is. Only here, in vm's own process: never in a test runner that runs commands.
  if (process.argv.some((a) => a === '--file' || a.startsWith('--file=')))
    (await import('node:v8')).setFlagsFromString('--optimize-for-size');
  const code = await run(
    process.argv.slice(2),
    {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      stdinIsTTY: Boolean(process.stdin.isTTY),
      stdoutIsTTY: Boolean(process.stdout.isTTY),
      stderrIsTTY: Boolean(process.stderr.isTTY),
      columns: process.stdout.columns,
    },
    process.env,
    { onContext: (c) => (ctx = c) },
  );
  process.exitCode = code;
}
