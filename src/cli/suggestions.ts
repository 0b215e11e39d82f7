import type { Command } from 'commander';
import { editDistance } from '../domain/catalog-codes.js';
import type { UnknownWordError } from './errors.js';
import type { Translate } from './i18n/index.js';

/**
 * "Did you mean": which command or option a word vm could not place was meant to be. commander's own
 * weighs the spelling only, so `vm numbr list` got `number` (one letter off) rather than `numbers`, the
 * group that has `list`. Here the rest of the line ranks first among the close spellings: a command whose
 * subcommands hold the next word, then one that knows the options given after it, then the spelling; an
 * option whose choices hold the value given after it, then one that takes a value when one is given (or
 * none when none is), then the spelling. Loaded only when a word is unknown.
 */

/** A command as the ranking reads it: its names, its visible subcommands and its visible long options. */
export interface CommandShape {
  names: string[];
  commands: CommandShape[];
  options: OptionShape[];
}

/** An option as the ranking reads it. */
export interface OptionShape {
  flag: string;
  /** It takes a value, which it needs (`<v>`) or may go without (`[v]`). */
  value: 'required' | 'optional' | 'none';
  choices: string[];
}

/** The shape of a commander command (its visible subtree). */
export function shapeOf(cmd: Command): CommandShape {
  const help = cmd.createHelp();
  return {
    names: [cmd.name(), ...cmd.aliases()],
    commands: help.visibleCommands(cmd).map(shapeOf),
    options: ownOptions(cmd),
  };
}

function ownOptions(cmd: Command): OptionShape[] {
  return cmd
    .createHelp()
    .visibleOptions(cmd)
    .filter((o) => o.long)
    .map((o) => ({
      flag: o.long as string,
      value: o.required ? 'required' : o.optional ? 'optional' : 'none',
      choices: o.argChoices ?? [],
    }));
}

/**
 * How far `typed` is from `name` if it may be a slip of it: letters added, dropped, changed or swapped
 * (at most 2, and under 60 % of the word), or the start of it (3 letters at least); undefined if neither.
 */
export function slip(typed: string, name: string): number | undefined {
  const a = typed.toLowerCase();
  if (name.length <= 1) return undefined;
  const distance = editDistance(a, name, 2);
  const length = Math.max(a.length, name.length);
  if (distance <= 2 && (length - distance) / length > 0.4) return distance;
  if (a.length >= 3 && name.startsWith(a)) return name.length - a.length;
  return undefined;
}

/** Ranks by a score list, highest first, and keeps every candidate that ties with the best. */
function best<T>(scored: { item: T; score: number[] }[]): T[] {
  const compare = (x: number[], y: number[]) => {
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (y[i] ?? 0) - (x[i] ?? 0);
    return 0;
  };
  const sorted = [...scored].sort((x, y) => compare(x.score, y.score));
  const top = sorted[0];
  return top ? sorted.filter((s) => compare(s.score, top.score) === 0).map((s) => s.item) : [];
}

/** The closest name of `names` to `typed`, with its distance; undefined when none is close. */
function closest(typed: string, names: string[]): { name: string; distance: number } | undefined {
  let found: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = slip(typed, name);
    if (distance !== undefined && (!found || distance < found.distance)) found = { name, distance };
  }
  return found;
}

/** Every long option of a command and of the commands under it. */
function subtreeFlags(cmd: CommandShape): Set<string> {
  const flags = new Set(cmd.options.map((o) => o.flag));
  for (const sub of cmd.commands) for (const f of subtreeFlags(sub)) flags.add(f);
  return flags;
}

/**
 * What the unknown command `word`, followed by `after`, most likely meant among `candidates` (the
 * subcommands where it stood): one suggestion, or several that rank alike, or none. A suggestion is the
 * command's name, followed by the subcommand meant when the next word was a slip too (`numbers list`).
 */
export function suggestCommand(word: string, after: string[], candidates: CommandShape[]): string[] {
  const next = after.find((w) => !w.startsWith('-'));
  const flags = after.filter((w) => w.startsWith('--')).map((w) => w.split('=')[0] as string);
  const scored = candidates.flatMap((c) => {
    const spelled = closest(word, c.names);
    if (!spelled) return [];
    let evidence = 0;
    let text = spelled.name;
    if (next !== undefined && c.commands.length > 0) {
      if (c.commands.some((s) => s.names.includes(next))) evidence = 2;
      else {
        const sub = closest(
          next,
          c.commands.flatMap((s) => s.names),
        );
        if (sub) {
          evidence = 1;
          text = `${spelled.name} ${sub.name}`;
        }
      }
    }
    const known = subtreeFlags(c);
    const flagsKnown = flags.filter((f) => known.has(f)).length;
    return [{ item: text, score: [evidence, flagsKnown, -spelled.distance] }];
  });
  return best(scored);
}

/**
 * What the unknown option `flag` (`--stauts`, or `--stauts=active`), followed by `after`, most likely meant
 * among `candidates` (the options of its command and of the commands above it).
 */
export function suggestOption(flag: string, after: string[], candidates: OptionShape[]): string[] {
  if (!flag.startsWith('--')) return [];
  const eq = flag.indexOf('=');
  const name = (eq < 0 ? flag : flag.slice(0, eq)).slice(2);
  const following = after[0];
  const value =
    eq >= 0
      ? flag.slice(eq + 1)
      : following !== undefined && !following.startsWith('-')
        ? following
        : undefined;
  const scored = [...new Map(candidates.map((o) => [o.flag, o])).values()].flatMap((o) => {
    const distance = slip(name, o.flag.slice(2));
    if (distance === undefined) return [];
    const evidence =
      value === undefined
        ? o.value === 'required'
          ? 0
          : 1
        : o.choices.includes(value)
          ? 2
          : o.value === 'none'
            ? 0
            : 1;
    return [{ item: o.flag, score: [evidence, -distance] }];
  });
  return best(scored);
}

/** The message of an unknown command or option, with what it most likely meant. */
export function unknownWordMessage(err: UnknownWordError, t: Translate): string {
  const suggestions =
    err.what === 'command'
      ? suggestCommand(err.word, err.after, shapeOf(err.command).commands)
      : suggestOption(err.word, err.after, optionsAround(err.command));
  const head = t(err.what === 'command' ? 'err.unknownCommand' : 'err.unknownOption', { name: err.word });
  if (suggestions.length === 0) return head;
  const hint =
    suggestions.length === 1
      ? t('err.didYouMean', { suggestion: suggestions[0] as string })
      : t('err.didYouMeanOneOf', { suggestions: suggestions.join(', ') });
  return `${head}\n${hint}`;
}

/** The options a command accepts: its own and those of the commands above it (the global ones). */
function optionsAround(cmd: Command): OptionShape[] {
  const options: OptionShape[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) options.push(...ownOptions(c));
  return options;
}
