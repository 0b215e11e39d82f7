import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Translate } from './i18n/index.js';
import type { Context } from './context.js';
import { UsageError } from './errors.js';

/** Attaches pasteable examples to a command's help (every command has at least two). */
export function withExamples(cmd: Command, t: Translate, lines: string[]): Command {
  return cmd.addHelpText('after', `\n${t('help.examples')}\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/** Stops an async iterable after `limit` items (undefined = no limit). */
export async function* take<T>(rows: AsyncIterable<T>, limit: number | undefined): AsyncGenerator<T> {
  if (limit === undefined) {
    yield* rows;
    return;
  }
  if (limit <= 0) return;
  let n = 0;
  for await (const row of rows) {
    yield row;
    if (++n >= limit) return;
  }
}

/** A `--limit <n>` option, the same on every list command: a positive integer. */
export function limitOption(ctx: Context): Option {
  return new Option('--limit <n>', ctx.t('opt.limit')).argParser((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(ctx.t('err.badLimit', { value: v }));
    return n;
  });
}

/**
 * Longest --idempotency-key: the contract takes 200 characters, and a command that sends several
 * operations adds `:N` to the key for each.
 */
const MAX_IDEMPOTENCY_KEY = 180;

/** An `--idempotency-key <key>` option: printable ASCII (the header's charset), checked before sending. */
export function idempotencyKeyOption(ctx: Context): Option {
  return new Option('--idempotency-key <key>', ctx.t('opt.idempotencyKey')).argParser((v) => {
    const key = v.trim();
    if (!key || key.length > MAX_IDEMPOTENCY_KEY || !/^[\x20-\x7e]+$/.test(key))
      throw new InvalidArgumentError(ctx.t('err.idempotencyKey', { max: MAX_IDEMPOTENCY_KEY }));
    return key;
  });
}

/**
 * A reader of money as people type it (`1500`, `1500.00`, `1 500,00`): positive kopecks, or undefined for
 * anything else. Async only to load the money module when a command needs it.
 */
export async function positiveMoneyReader(): Promise<(text: string) => number | undefined> {
  const { parseMoney } = await import('../domain/money.js');
  return (text) => {
    try {
      const k = parseMoney(text);
      return k > 0 ? k : undefined;
    } catch {
      return undefined;
    }
  };
}

/** A positive amount of money in kopecks, or a usage error (exit 2) naming what was typed. */
export async function requireMoney(text: string, t: Translate): Promise<number> {
  const k = (await positiveMoneyReader())(text);
  if (k === undefined) throw new UsageError(t('err.badAmount', { value: text }));
  return k;
}
