import type { Db } from './db.js';
import type { Service, Tariff } from '../../api/lines.js';
import type { NumberRecord } from './numbers-repo.js';

/** One line of a seeded company: a number as stored, not blocked since any time yet (the seed sets it). */
export type SeedNumber = Omit<NumberRecord, 'blockedSince'>;

/**
 * What a seed writes: the store's own description of its input (the engine's generated demo company
 * is one; server.ts hands it over, and the compiler checks that it fits).
 */
export interface SeedCompany {
  company: { name: string };
  regions: { code: string; name: string; nameRu: string }[];
  accounts: {
    id: string;
    name: string;
    contractNo: string;
    region: string;
    balance: number;
    creditLimit: number;
    billingDay: number;
  }[];
  groups: { id: string; name: string; parentId: string | null }[];
  roles: { name: string; description: string; permissions: readonly string[] }[];
  users: {
    email: string;
    phone: string | null;
    name: string;
    password: string;
    grants: { role: string; groupId: string | null }[];
  }[];
  tariffs: Tariff[];
  services: Service[];
  /** Sorted by msisdn; read once, one at a time (a generator may make them as they are read). */
  numbers: Iterable<SeedNumber>;
}

/** Writes a whole generated company into an empty database, in one transaction. */
export function insertCompany(
  db: Db,
  company: SeedCompany,
  passwordHashOf: (user: { email: string; password: string }) => string,
  now: string,
): void {
  const ins = {
    meta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)'),
    region: db.prepare('INSERT INTO regions (code, name, name_ru) VALUES (@code, @name, @nameRu)'),
    account: db.prepare(
      `INSERT INTO accounts (id, name, contract_no, region, balance, credit_limit, billing_day)
       VALUES (@id, @name, @contractNo, @region, @balance, @creditLimit, @billingDay)`,
    ),
    group: db.prepare('INSERT INTO groups (id, name, parent_id) VALUES (@id, @name, @parentId)'),
    tariff: db.prepare(
      `INSERT INTO tariffs (code, name, monthly_fee, minutes, sms, data_mb, regions, roaming_included, description)
       VALUES (@code, @name, @monthlyFee, @minutes, @sms, @dataMb, @regions, @roamingIncluded, @description)`,
    ),
    service: db.prepare(
      `INSERT INTO services (code, name, monthly_fee, connect_fee, incompatible_with, description)
       VALUES (@code, @name, @monthlyFee, @connectFee, @incompatibleWith, @description)`,
    ),
    // Positional: no object made per line to bind it by names.
    number: db.prepare(
      `INSERT INTO numbers (msisdn, account_id, region, group_id, employee, tariff, status, block_reason, blocked_since, iccid, activated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    numberService: db.prepare('INSERT INTO number_services (msisdn, service, added_at) VALUES (?, ?, ?)'),
    role: db.prepare('INSERT INTO roles (name, description, permissions, builtin) VALUES (?, ?, ?, 1)'),
    user: db.prepare(
      `INSERT INTO users (email, phone, name, password_hash, created_at) VALUES (@email, @phone, @name, @hash, @now)`,
    ),
    grant: db.prepare(
      'INSERT INTO user_roles (user_id, role_id, group_id) VALUES (?, (SELECT id FROM roles WHERE name = ?), ?)',
    ),
  };
  db.transaction(() => {
    ins.meta.run('company', company.company.name);
    for (const r of company.regions) ins.region.run(r);
    for (const a of company.accounts) ins.account.run(a);
    for (const g of company.groups) ins.group.run(g);
    for (const t of company.tariffs)
      ins.tariff.run({
        ...t,
        regions: JSON.stringify(t.regions),
        roamingIncluded: t.roamingIncluded ? 1 : 0,
      });
    for (const s of company.services)
      ins.service.run({ ...s, incompatibleWith: JSON.stringify(s.incompatibleWith) });
    for (const n of company.numbers) {
      ins.number.run(
        n.msisdn,
        n.accountId,
        n.region,
        n.groupId,
        n.employee,
        n.tariff,
        n.status,
        n.blockReason,
        n.status === 'blocked' ? n.activatedAt : null,
        n.iccid,
        n.activatedAt,
      );
      for (const s of n.services) ins.numberService.run(n.msisdn, s, n.activatedAt);
    }
    for (const r of company.roles) ins.role.run(r.name, r.description, JSON.stringify(r.permissions));
    for (const u of company.users) {
      const id = ins.user.run({
        email: u.email,
        phone: u.phone,
        name: u.name,
        hash: passwordHashOf(u),
        now,
      }).lastInsertRowid;
      for (const g of u.grants) ins.grant.run(id, g.role, g.groupId);
    }
  })();
}
