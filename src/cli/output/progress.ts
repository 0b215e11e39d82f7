/**
 * Progress on stderr: a bar for long work (only on a terminal, never with --quiet), and the one way to
 * wait for something the backend does in the background (an operation, a detail request) while showing it.
 */
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { INTERRUPT_EXIT, onInterrupt, type Interrupt } from './interrupt.js';

/** A started bar; `update` moves it, `stop` clears it from the terminal. */
export interface ProgressBar {
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

export interface ProgressBarOptions {
  /** cli-progress format: `{bar}`, `{value}`, `{total}`, `{percentage}` and the payload's own tokens. */
  format: string;
  total: number;
  value?: number;
  payload?: Record<string, unknown>;
  hideCursor?: boolean;
}

/** A progress bar on stderr when it is a terminal and --quiet is off; otherwise undefined (nothing shown). */
export async function startProgressBar(
  ctx: Context,
  opts: ProgressBarOptions,
): Promise<ProgressBar | undefined> {
  if (!ctx.io.stderrIsTTY || ctx.opts.quiet) return undefined;
  const { default: progress } = await import('cli-progress');
  const bar = new progress.SingleBar(
    {
      format: opts.format,
      stream: ctx.io.stderr as NodeJS.WriteStream,
      clearOnComplete: true,
      ...(opts.hideCursor ? { hideCursor: true } : {}),
    },
    progress.Presets.shades_classic,
  );
  bar.start(opts.total, opts.value ?? 0, opts.payload);
  return bar;
}

/** Something the backend works on in the background, as the waiting loop sees it. */
export interface BackgroundWork<T> {
  id(item: T): string;
  finished(item: T): boolean;
  /** The next state: a long poll, or a short pause and a read. */
  poll(item: T): Promise<T>;
  /** The bar: its format, size and where the work stands. */
  bar: {
    format: string;
    hideCursor?: boolean;
    total(item: T): number;
    value(item: T): number;
    payload?(item: T): Record<string, unknown>;
  };
  /** Said when Ctrl-C or SIGTERM stops the wait; the work goes on in the backend. */
  interrupted(id: string): string;
}

/**
 * Polls until the work is finished, with a progress bar on a terminal. Ctrl-C or SIGTERM stops waiting,
 * not the work: the id goes to stdout (for `vm ops wait` / `vm detail get`) and the run ends with exit
 * 130 or 143.
 */
export async function waitWithProgress<T>(ctx: Context, start: T, work: BackgroundWork<T>): Promise<T> {
  let current = start;
  const payload = (item: T) => work.bar.payload?.(item);
  const bar = work.finished(current)
    ? undefined
    : await startProgressBar(ctx, {
        format: work.bar.format,
        hideCursor: work.bar.hideCursor,
        total: work.bar.total(current),
        value: work.bar.value(current),
        payload: payload(current),
      });
  let interrupted: Interrupt | undefined;
  const stopListening = onInterrupt((signal) => (interrupted = signal));
  try {
    while (!work.finished(current)) {
      if (interrupted) {
        bar?.stop();
        const id = work.id(current);
        ctx.io.stdout.write(`${id}\n`);
        throw new CliError(work.interrupted(id), INTERRUPT_EXIT[interrupted]);
      }
      current = await work.poll(current);
      bar?.update(work.bar.value(current), payload(current));
    }
    bar?.stop();
    return current;
  } finally {
    stopListening();
  }
}
