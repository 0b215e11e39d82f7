/**
 * Ctrl-C (SIGINT) and SIGTERM while vm waits or writes: instead of dying where it stands (a half-written
 * temp file of tens of MB left behind, nothing said), the run stops what it does, says what is left in
 * the backend and how to get it, and ends with the code a shell gives that signal.
 */
import { EXIT } from '../errors.js';

/** The signals that stop a run from outside, and the exit code a shell reports for each (128 + its number). */
export const INTERRUPT_EXIT = { SIGINT: EXIT.interrupted, SIGTERM: EXIT.terminated } as const;
export type Interrupt = keyof typeof INTERRUPT_EXIT;

/** A run stopped by Ctrl-C or SIGTERM while it wrote `file`: the file was not written, nor its temp left. */
export class InterruptedError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'InterruptedError';
  readonly exitCode: number;
  constructor(
    readonly signal: Interrupt,
    readonly file: string,
  ) {
    super(`${signal} while writing ${file}`);
    this.exitCode = INTERRUPT_EXIT[signal];
  }
}

/**
 * Calls `handler` on the first Ctrl-C or SIGTERM instead of letting it end the process; returns the
 * function that stops listening. A second Ctrl-C ends the process at once, as usual.
 */
export function onInterrupt(handler: (signal: Interrupt) => void): () => void {
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}
