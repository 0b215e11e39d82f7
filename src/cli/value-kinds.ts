import type { Argument, Option } from 'commander';

/** Values only the backend knows, per account: a shell's completion asks `vm __complete KIND` for them. */
export const BACKEND_KINDS = ['tariffs', 'services', 'groups', 'operations'] as const;
/** One of BACKEND_KINDS. */
export type BackendKind = (typeof BACKEND_KINDS)[number];

/**
 * What the value of an option or a positional argument is, as a shell completes it: file or directory
 * names, values the backend knows, or `text` no shell can guess (a reason, a name), which gets nothing —
 * not the file names a shell offers by default.
 */
export type ValueKind = 'files' | 'dirs' | 'text' | BackendKind;

/** The kind a value name says (`--file <path>`, `<group>`); any other name is text. */
const BY_VALUE_NAME: Record<string, ValueKind> = {
  file: 'files',
  files: 'files',
  path: 'files',
  dir: 'dirs',
  group: 'groups',
  tariff: 'tariffs',
  service: 'services',
};

const marked = new WeakMap<Option | Argument, ValueKind>();

/** Says what `item` takes where its value name does not (`--tariff <code>`, an operation's `<id>`). */
export function completeAs<T extends Option | Argument>(kind: ValueKind, item: T): T {
  marked.set(item, kind);
  return item;
}

/** What an option's or argument's value is: its mark, else what its value name says, else text. */
export function valueKindOf(item: Option | Argument): ValueKind {
  const mark = marked.get(item);
  if (mark) return mark;
  const name = 'flags' in item ? /[<[]([\w-]+)(?:\.\.\.)?[>\]]/.exec(item.flags)?.[1] : item.name();
  return BY_VALUE_NAME[name ?? ''] ?? 'text';
}

/** Is `kind` one the backend answers? */
export function isBackendKind(kind: string): kind is BackendKind {
  return (BACKEND_KINDS as readonly string[]).includes(kind);
}
