import type { CatalogEntry } from '../../domain/catalog-codes.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import type { MessageKey } from '../i18n/index.js';

/** The parameters whose values are catalog codes, and the list that holds them. */
const CATALOGS = { tariff: 'tariffs.list', service: 'services.list' } as const;

/** What an unknown code of each parameter is told with: without and with a suggestion. */
const MESSAGES: Record<keyof typeof CATALOGS, [MessageKey, MessageKey]> = {
  tariff: ['change.tariffUnknown', 'change.tariffUnknownSuggest'],
  service: ['change.serviceUnknown', 'change.serviceUnknownSuggest'],
};

/** A parameter that names a catalog entry: `tariff` or `service`. */
export type CodeParam = keyof typeof CATALOGS;

/** A code checked against the catalog: the catalog's spelling, or what is wrong with it. */
export type CodeCheck = { code: string } | { error: string };

/**
 * Checks the codes a change names (its own and each row's) against the backend's catalog before
 * anything is sent, so `СМАРТ` or `smart plus` is an input error with a suggestion, not a failed item
 * per number. The catalog is asked for once, and only when there is a code to check.
 */
export class CodeChecker {
  private entries?: Promise<CatalogEntry[]>;
  private matching?: typeof import('../../domain/catalog-codes.js');

  constructor(
    private readonly ctx: Context,
    readonly param: CodeParam,
  ) {}

  /** The command's own code: the catalog's spelling, or a usage error (exit 2) naming a close one. */
  async own(text: string): Promise<string> {
    const checked = await this.check(text);
    if ('code' in checked) return checked.code;
    throw new UsageError(checked.error);
  }

  /** A code of one row. */
  async check(text: string): Promise<CodeCheck> {
    const entries = await this.catalog();
    const { catalogCode, closestCode } = (this.matching ??= await import('../../domain/catalog-codes.js'));
    const code = catalogCode(text, entries);
    if (code) return { code };
    const suggestion = closestCode(text, entries);
    const [unknown, suggest] = MESSAGES[this.param];
    return {
      error: suggestion
        ? this.ctx.t(suggest, { value: text, code: suggestion })
        : this.ctx.t(unknown, { value: text }),
    };
  }

  private catalog(): Promise<CatalogEntry[]> {
    this.entries ??= (async () => {
      const client = await this.ctx.client();
      const entries: CatalogEntry[] = [];
      for await (const e of client.paginate(CATALOGS[this.param], {}))
        entries.push({ code: e.code, name: e.name });
      return entries;
    })();
    return this.entries;
  }
}
