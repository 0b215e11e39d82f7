import type { Event } from '../api/events.js';
import { EVENT_TYPES, isEventType, type EventType } from '../domain/events.js';
import type { Lang } from './i18n/index.js';

/** The catalog's descriptions in Russian (English comes from the catalog itself, src/domain/events.ts). */
const RU: Record<EventType, string> = {
  'operation.finished': 'Операция завершилась (успешно, частично, с ошибкой или отменена), со счётчиками',
  'operation.item_failed':
    'Номера операции не изменились: одно событие на пачку номеров, обработанных вместе',
  'line.blocked': 'Номер заблокирован (операцией или лимитом)',
  'line.unblocked': 'Номер разблокирован',
  'line.status_changed': 'Сменился статус номера (active, blocked, suspended_by_operator, terminated)',
  'line.tariff_changed': 'Номер перешёл на другой тариф',
  'line.services_changed': 'К номеру подключены или от него отключены услуги',
  'line.group_changed': 'Номер перенесён в другую группу',
  'line.limit_changed': 'Собственный лимит расходов номера установлен или снят',
  'line.added': 'В компании появился новый номер (заказ SIM-карты)',
  'line.sim_replaced': 'SIM-карта номера заменена (новый ICCID)',
  'line.number_changed': 'У линии сменился номер (subject — старый номер, data.to — новый)',
  'limit.threshold_reached':
    'Расход номера прошёл порог оповещения (50/80/100% лимита или собственное значение правила)',
  'limit.breached': 'Расходы номера за период превысили лимит (раз за период)',
  'balance.low': 'Баланс лицевого счёта опустился ниже порога автоплатежа или нуля',
  'payment.received': 'На лицевой счёт поступил платёж (или пополнение автоплатежом)',
  'appeal.answered': 'Оператор ответил на обращение',
  'detail_request.ready': 'Запрос детализации готов к скачиванию',
  'report.ready': 'Фоновый отчёт готов',
  'user.login_failed': 'Вход пользователя не удался дважды или больше подряд (каждая неудача со второй)',
  'consent.granted': 'Сотрудник согласился на определение местоположения номера',
  'consent.revoked': 'Согласие на определение местоположения отозвано',
  'webhook.paused': 'Вебхук приостановлен: его автор отключён или лишился права webhooks:admin',
};

/** A type's description in the user's language; the backend's own words for a type this vm does not know. */
export function eventTypeText(type: string, fallback: string, lang: Lang): string {
  if (!isEventType(type)) return fallback;
  return lang === 'ru' ? RU[type] : EVENT_TYPES[type].description;
}

/**
 * One line about an event's data, the same in every language (it is values, not sentences): `from → to`
 * for a change, `+X −Y` for services, `name=value` for the rest. The operation an event came from is left
 * out (its id is in the data, and in JSON).
 */
export function eventSummary(e: Pick<Event, 'data'>): string {
  const d = { ...e.data };
  const parts: string[] = [];
  if ('from' in d || 'to' in d) {
    parts.push(`${valueText(d.from)} → ${valueText(d.to)}`);
    delete d.from;
    delete d.to;
  }
  if (Array.isArray(d.added) || Array.isArray(d.removed)) {
    const added = (Array.isArray(d.added) ? d.added : []).map((x) => `+${String(x)}`);
    const removed = (Array.isArray(d.removed) ? d.removed : []).map((x) => `−${String(x)}`);
    parts.push([...added, ...removed].join(' '));
    delete d.added;
    delete d.removed;
  }
  if (Array.isArray(d.items)) {
    parts.push(
      d.items
        .slice(0, 3)
        .map((i: { number?: unknown; code?: unknown }) => `${String(i.number)} ${String(i.code)}`)
        .join(', ') + (d.items.length > 3 ? ', …' : ''),
    );
    delete d.items;
  }
  delete d.operationId;
  for (const [k, v] of Object.entries(d)) {
    // Nothing to say: no value, an empty list.
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    parts.push(`${k}=${valueText(v)}`);
  }
  return parts.join('  ');
}

function valueText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
