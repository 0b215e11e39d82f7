import { ApiError } from '../../api/errors.js';
import { requireMsisdn } from './number-param.js';
import type { Page } from '../../api/common.js';
import type { Account, Group, Line, LineDetail, NumberFilter, Service, Tariff } from '../../api/lines.js';
import type { Store } from '../store/store.js';
import type { NumberRecord } from '../store/numbers-repo.js';
import type { GroupRecord } from '../store/catalog-repo.js';
import { inScope, scopeIds, scopeOf, scopedGroupIds, type Principal } from './authz.js';
import { decodeCursor, pageOf, pageOfList } from './paging.js';

/** Reading numbers, accounts, groups and the catalog, always within the caller's scope. */
export class LinesService {
  constructor(private readonly store: Store) {}

  /** A page of numbers in scope matching the filter. */
  listNumbers(p: Principal, f: NumberFilter & { limit?: number; cursor?: string }): Page<Line> {
    const limit = f.limit ?? 100;
    const groups = this.store.catalog.groupRecords();
    const groupIds = scopedGroupIds(scopeOf(p, 'numbers:read', groups), groups, f.group);
    const after = decodeCursor(f.cursor);
    const rows = this.store.numbers.list({
      groupIds,
      accountId: f.account,
      region: f.region?.toUpperCase(),
      tariff: f.tariff?.toUpperCase(),
      status: f.status,
      search: f.search,
      after,
      limit: limit + 1,
    });
    const views = this.lineViews(groups);
    return pageOf(rows, limit, (r) => r.msisdn, views);
  }

  /** One number in full; 404 when unknown or outside the caller's scope. */
  showNumber(p: Principal, text: string): LineDetail {
    const msisdn = requireMsisdn(text);
    const groups = this.store.catalog.groupRecords();
    const record = this.store.numbers.get(msisdn);
    if (!record || !inScope(scopeOf(p, 'numbers:read', groups), record.groupId)) {
      throw new ApiError('not_found', `Number ${msisdn} not found`, { reason: 'number_not_found', msisdn });
    }
    const line = this.lineViews(groups)(record);
    const account = this.store.catalog.accounts(null).find((a) => a.id === record.accountId);
    const seesMoney = inScope(scopeOf(p, 'money:read', groups), record.groupId);
    const tariffs = new Map(this.store.catalog.tariffs().map((t) => [t.code, t]));
    const services = new Map(this.store.catalog.services().map((s) => [s.code, s]));
    return {
      ...line,
      accountName: account?.name ?? '',
      accountBalance: seesMoney ? (account?.balance ?? 0) : null,
      tariffName: tariffs.get(record.tariff)?.name ?? record.tariff,
      serviceDetails: record.services.map((code) => ({
        code,
        name: services.get(code)?.name ?? code,
        monthlyFee: services.get(code)?.monthlyFee ?? 0,
      })),
      blockedSince: record.blockedSince,
    };
  }

  /**
   * Accounts holding numbers in scope. Balance and credit limit are money: shown only for accounts with
   * numbers in the caller's money:read scope (as `vm balance` would), null otherwise.
   */
  listAccounts(p: Principal, q: { limit?: number; cursor?: string }): Page<Account> {
    const groups = this.store.catalog.groupRecords();
    const scope = scopeOf(p, 'numbers:read', groups);
    const money = scopeOf(p, 'money:read', groups);
    const paying = new Set(
      money.kind === 'groups' && money.ids.size === 0
        ? []
        : this.store.catalog.accounts(scopeIds(money)).map((a) => a.id),
    );
    const accounts = this.store.catalog
      .accounts(scopeIds(scope))
      .map((a) => (paying.has(a.id) ? a : { ...a, balance: null, creditLimit: null }));
    return pageOfList(accounts, q.limit ?? 100, q.cursor, (a) => a.id);
  }

  /** Groups in scope, parents first. */
  listGroups(p: Principal, q: { limit?: number; cursor?: string }): Page<Group> {
    const scope = scopeOf(p, 'numbers:read', this.store.catalog.groupRecords());
    const visible = this.store.catalog.groups().filter((g) => inScope(scope, g.id));
    return pageOfList(visible, q.limit ?? 100, q.cursor, (g) => g.id);
  }

  /** The tariff catalog. */
  listTariffs(q: { limit?: number; cursor?: string }): Page<Tariff> {
    return pageOfList(this.store.catalog.tariffs(), q.limit ?? 100, q.cursor, (t) => t.code);
  }

  /** The service catalog, optionally only what can be added on a tariff. */
  listServices(q: { tariff?: string; limit?: number; cursor?: string }): Page<Service> {
    let services = this.store.catalog.services();
    if (q.tariff !== undefined) {
      const code = q.tariff.toUpperCase();
      if (!this.store.catalog.tariffs().some((t) => t.code === code)) {
        throw new ApiError('not_found', `No tariff ${code}`, { reason: 'tariff_not_found', tariff: code });
      }
      services = services.filter((s) => !s.incompatibleWith.includes(code));
    }
    return pageOfList(services, q.limit ?? 100, q.cursor, (s) => s.code);
  }

  private lineViews(groups: GroupRecord[]): (r: NumberRecord) => Line {
    const byId = new Map(groups.map((g) => [g.id, g]));
    const paths = new Map<string, string>();
    const pathOf = (id: string): string => {
      const cached = paths.get(id);
      if (cached !== undefined) return cached;
      const g = byId.get(id);
      const path = !g ? id : g.parentId ? `${pathOf(g.parentId)}/${g.name}` : g.name;
      paths.set(id, path);
      return path;
    };
    const fees = new Map(this.store.catalog.tariffs().map((t) => [t.code, t.monthlyFee]));
    const serviceFees = new Map(this.store.catalog.services().map((s) => [s.code, s.monthlyFee]));
    return (r) => ({
      msisdn: r.msisdn,
      accountId: r.accountId,
      region: r.region,
      groupId: r.groupId,
      groupPath: pathOf(r.groupId),
      employee: r.employee,
      tariff: r.tariff,
      services: r.services,
      status: r.status,
      blockReason: r.blockReason,
      iccid: r.iccid,
      monthlyFee:
        (fees.get(r.tariff) ?? 0) + r.services.reduce((sum, s) => sum + (serviceFees.get(s) ?? 0), 0),
      activatedAt: r.activatedAt,
    });
  }
}
