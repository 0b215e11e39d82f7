import fs from 'node:fs';
import type { Writable } from 'node:stream';
import path from 'node:path';
import { CliError, EXIT } from '../errors.js';
import type { Translate } from '../i18n/index.js';
import { InterruptedError, onInterrupt } from './interrupt.js';

/**
 * Refuses a file that cannot be written (a directory, a missing or read-only folder) with exit 2, so a
 * command checks its --output (or `option`, e.g. --xlsx) before asking the backend for anything.
 */
export function refuseUnwritableFile(file: string, t: Translate, option = '--output'): void {
  const target = path.resolve(file);
  if (file.endsWith('/') || fs.statSync(target, { throwIfNoEntry: false })?.isDirectory())
    throw new CliError(t('err.outputIsDir', { option, file }), EXIT.usage);
  const dir = path.dirname(target);
  try {
    if (!fs.statSync(dir).isDirectory()) throw new Error('not a directory');
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new CliError(t('err.outputDir', { file, dir }), EXIT.usage);
  }
}

/** Bytes a file being written may hold before its writer waits. */
const WRITE_BUFFER = 1 << 20;

/**
 * Writes `file` through a temp file beside it, renamed only when `fill` completed: a broken download
 * never leaves half a file under the real name. Beside, not in /tmp, so the rename stays on one file
 * system and is atomic. The file is private (0600) until the user widens it. Ctrl-C or SIGTERM meanwhile
 * stops the writing and removes the temp file (a big export's is tens of MB), then rejects with an
 * InterruptedError (exit 130 or 143); `fill`'s own failure that follows is let go.
 */
export async function writeFileAtomically(
  file: string,
  fill: (out: Writable) => Promise<void>,
): Promise<void> {
  const target = path.resolve(file);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  // A megabyte of buffer: a download writes a quarter megabyte at a time (record-stream.ts).
  const out = fs.createWriteStream(temp, { mode: 0o600, highWaterMark: WRITE_BUFFER });
  let interrupt: (err: InterruptedError) => void = () => undefined;
  const interrupted = new Promise<never>((_, reject) => (interrupt = reject));
  const stopListening = onInterrupt((signal) => {
    const err = new InterruptedError(signal, file);
    // The writer hears of it on its own 'error' listener (a download's pipeline then stops reading);
    // this one keeps a writer without one from crashing on it.
    out.on('error', () => undefined);
    out.destroy(err);
    interrupt(err);
  });
  const filling = fill(out);
  try {
    await Promise.race([filling, interrupted]);
    fs.renameSync(temp, target);
  } catch (err) {
    filling.catch(() => undefined);
    out.destroy();
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    fs.rmSync(temp, { force: true });
    throw err;
  } finally {
    stopListening();
  }
}
