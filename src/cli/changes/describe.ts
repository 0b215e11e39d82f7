import type { RowValues } from '../../api/operations.js';
import { formatMoneyPlain } from '../../domain/money.js';
import type { Context } from '../context.js';
import type { MessageKey } from '../i18n/index.js';

/** Words a before/after field set for a person: `SMART`, `+ANTISPAM`, `blocked (lost)`. */
export function describeFields(fields: Record<string, unknown> | null): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) =>
      Array.isArray(v)
        ? v.join(',') || '—'
        : v === null
          ? '—'
          : typeof v === 'object'
            ? describeObject(k, v as Record<string, unknown>)
            : k === 'status' || k === 'tariff' || k === 'msisdn' || k === 'iccid' || k === 'groupId'
              ? String(v)
              : `${k}=${String(v)}`,
    )
    .join(' ');
}

/**
 * What an operation's targets asked for of their own, per parameter: `tariff (SMART ×120, SMART_PLUS ×80)`,
 * with `others ×N` for the values not listed.
 */
export function describeRowValues(ctx: Context, rowValues: RowValues[]): string {
  return rowValues
    .map(({ name, count, values }) => {
      const listed = values.map((v) => `${v.value} ×${v.count}`);
      const others = count - values.reduce((n, v) => n + v.count, 0);
      if (others > 0) listed.push(ctx.t('word.others', { count: others }));
      return `${name} (${listed.join(', ')})`;
    })
    .join('; ');
}

/** A limit as `limit=2000.00/block`; any other object as its values. */
function describeObject(key: string, v: Record<string, unknown>): string {
  if (key === 'limit' && typeof v.monthly === 'number')
    return `limit=${formatMoneyPlain(v.monthly)}/${String(v.action)}`;
  return `${key}=${Object.values(v).map(String).join('/')}`;
}

/** The reason of an item code in the user's language, with the backend's detail. */
export function itemReason(ctx: Context, code: string | null, detail: string | null): string {
  if (!code) return '';
  const key = `item.${code}` as MessageKey;
  const text = ctx.t(key);
  const reason = text === key ? code : text;
  return detail ? `${reason} (${detail})` : reason;
}
