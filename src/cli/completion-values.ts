import type { VmClient } from '../client/client.js';
import { escapeControlChars } from '../domain/safe-text.js';
import { cacheDir, CompletionCache, type CompletionValue } from './completion-cache.js';
import type { Context } from './context.js';
import type { BackendKind } from './value-kinds.js';

/**
 * How long a kind's values are kept before the backend is asked again: operations come and go (a new
 * one should be offered within the minute); groups change now and then; the catalogs rarely.
 */
export const COMPLETION_TTL_MS: Record<BackendKind, number> = {
  operations: 60_000,
  groups: 5 * 60_000,
  tariffs: 60 * 60_000,
  services: 60 * 60_000,
};

/** All a completion may take: the shell waits for it at every TAB. */
export const COMPLETION_BUDGET_MS = 1000;

/** How many of the newest operations are offered. */
const RECENT_OPERATIONS = 20;

/**
 * A value a shell can complete as one word without quoting. Codes, group ids and operation ids are such
 * words; anything else (a space, a quote, a `$`) is left out rather than break the shell's line.
 */
const PLAIN_WORD = /^[\p{L}\p{N}_.:@+/=,-]+$/u;

/**
 * The values of `kind` a shell's completion offers for the run's server and credential: from the cache
 * while they are fresh, else from the backend (one attempt within COMPLETION_BUDGET_MS, then cached).
 * Nothing without a credential. Any failure rejects: the caller stays silent.
 */
export async function completionValues(
  ctx: Context,
  kind: BackendKind,
  now: () => number = Date.now,
): Promise<CompletionValue[]> {
  const token = await ctx.token();
  if (!token) return [];
  const cache = new CompletionCache(cacheDir(ctx.env), await ctx.server(), token, now);
  const cached = cache.get(kind, COMPLETION_TTL_MS[kind]);
  if (cached) return cached;
  const client = await ctx.client('credential', { ms: COMPLETION_BUDGET_MS });
  const values = (await withinBudget(ask(client, kind), COMPLETION_BUDGET_MS))
    .filter(([value]) => PLAIN_WORD.test(value))
    .map(([value, description]): CompletionValue => [value, escapeControlChars(description)]);
  cache.set(kind, values);
  return values;
}

/** One request for the values of `kind`: the first page only, a completion has no time for more. */
async function ask(client: VmClient, kind: BackendKind): Promise<CompletionValue[]> {
  switch (kind) {
    case 'tariffs':
      return (await client.call('tariffs.list', { query: { limit: 1000 } })).data.map((t) => [
        t.code,
        t.name,
      ]);
    case 'services':
      return (await client.call('services.list', { query: { limit: 1000 } })).data.map((s) => [
        s.code,
        s.name,
      ]);
    case 'groups':
      return (await client.call('groups.list', { query: { limit: 1000 } })).data.map((g) => [g.id, g.path]);
    case 'operations':
      return (await client.call('operations.list', { query: { limit: RECENT_OPERATIONS } })).data.map((o) => [
        o.id,
        `${o.type} ${o.state} ${o.createdAt.slice(0, 16).replace('T', ' ')}`,
      ]);
  }
}

/** `work`, or a rejection once `ms` have passed (the request itself is ended when the run closes its client). */
async function withinBudget<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
