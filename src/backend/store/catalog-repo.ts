import type { Account, Group, Service, Tariff } from '../../api/lines.js';
import type { Db } from './db.js';

/** An account as stored: the API's view, with the money always there (the view may hide it). */
export type AccountRecord = Omit<Account, 'balance' | 'creditLimit'> & {
  balance: number;
  creditLimit: number;
};

interface TariffRow {
  code: string;
  name: string;
  monthly_fee: number;
  minutes: number;
  sms: number;
  data_mb: number;
  regions: string;
  roaming_included: number;
  description: string;
}
interface ServiceRow {
  code: string;
  name: string;
  monthly_fee: number;
  connect_fee: number;
  incompatible_with: string;
  description: string;
}
/** A group as stored: the tree without derived fields. */
export interface GroupRecord {
  id: string;
  name: string;
  parentId: string | null;
}

/** Regions, tariffs, services, accounts and groups. */
export class CatalogRepo {
  private readonly tariffsStmt;
  private readonly servicesStmt;
  private readonly groupsStmt;
  private readonly groupCountsStmt;
  private readonly accountsStmt;

  constructor(db: Db) {
    this.tariffsStmt = db.prepare<[], TariffRow>('SELECT * FROM tariffs ORDER BY monthly_fee, code');
    this.servicesStmt = db.prepare<[], ServiceRow>('SELECT * FROM services ORDER BY code');
    this.groupsStmt = db.prepare<[], GroupRecord>(
      'SELECT id, name, parent_id AS parentId FROM groups ORDER BY rowid',
    );
    this.groupCountsStmt = db.prepare<[], { groupId: string; n: number }>(
      'SELECT group_id AS groupId, count(*) AS n FROM numbers GROUP BY group_id',
    );
    this.accountsStmt = db.prepare<{ scope: string | null }, AccountRecord>(
      `SELECT a.id, a.name, a.contract_no AS contractNo, a.region, a.balance, a.credit_limit AS creditLimit,
              a.billing_day AS billingDay, count(n.msisdn) AS numbers
         FROM accounts a LEFT JOIN numbers n ON n.account_id = a.id
              AND (@scope IS NULL OR n.group_id IN (SELECT value FROM json_each(@scope)))
        GROUP BY a.id ORDER BY a.id`,
    );
  }

  /** The tariff catalog, cheapest first. */
  tariffs(): Tariff[] {
    return this.tariffsStmt.all().map((r) => ({
      code: r.code,
      name: r.name,
      monthlyFee: r.monthly_fee,
      minutes: r.minutes,
      sms: r.sms,
      dataMb: r.data_mb,
      regions: JSON.parse(r.regions) as string[],
      roamingIncluded: r.roaming_included === 1,
      description: r.description,
    }));
  }

  /** The service catalog by code. */
  services(): Service[] {
    return this.servicesStmt.all().map((r) => ({
      code: r.code,
      name: r.name,
      monthlyFee: r.monthly_fee,
      connectFee: r.connect_fee,
      incompatibleWith: JSON.parse(r.incompatible_with) as string[],
      description: r.description,
    }));
  }

  /** Every group, depth first: each parent right before its subtree, siblings in creation order. */
  groupRecords(): GroupRecord[] {
    const all = this.groupsStmt.all();
    const children = new Map<string | null, GroupRecord[]>();
    for (const g of all) {
      const key = g.parentId && all.some((x) => x.id === g.parentId) ? g.parentId : null;
      const list = children.get(key);
      if (list) list.push(g);
      else children.set(key, [g]);
    }
    const out: GroupRecord[] = [];
    const walk = (parent: string | null) => {
      for (const g of children.get(parent) ?? []) {
        out.push(g);
        walk(g.id);
      }
    };
    walk(null);
    return out;
  }

  /** Groups with their path and direct number count. */
  groups(): Group[] {
    const records = this.groupRecords();
    const counts = new Map(this.groupCountsStmt.all().map((c) => [c.groupId, c.n]));
    const byId = new Map(records.map((g) => [g.id, g]));
    const pathOf = (g: GroupRecord): string => {
      const parent = g.parentId ? byId.get(g.parentId) : undefined;
      return parent ? `${pathOf(parent)}/${g.name}` : g.name;
    };
    return records.map((g) => ({ ...g, path: pathOf(g), numbers: counts.get(g.id) ?? 0 }));
  }

  /**
   * Accounts; with `groupScope` only those holding numbers in these groups, counting only those numbers.
   * `null` means the whole company.
   */
  accounts(groupScope: string[] | null): AccountRecord[] {
    const rows = this.accountsStmt.all({ scope: groupScope ? JSON.stringify(groupScope) : null });
    return groupScope ? rows.filter((a) => a.numbers > 0) : rows;
  }
}
