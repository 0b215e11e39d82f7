import { readFileSync } from 'node:fs';
import {
  demoCompanyLines,
  feminineSurname,
  generateDemoCompany,
  isValidLuhn,
  luhnCheckDigit,
  type DemoCompany,
} from '../../src/backend/engine/demo-company.js';
import { validateDemoFixtures } from '../../src/backend/engine/demo-fixtures.js';
import { ALL_PERMISSIONS } from '../../src/domain/permissions.js';

const readFixture = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${file}`, import.meta.url), 'utf8')) as unknown;

/** Fresh, mutable copies of both fixture files for the validation tests. */
function fixtures(): { catalog: Record<string, unknown[]>; company: Record<string, unknown[]> } {
  return {
    catalog: readFixture('catalog.json') as Record<string, unknown[]>,
    company: readFixture('demo-company.json') as Record<string, unknown[]>,
  };
}

describe('luhn', () => {
  it('computes known check digits', () => {
    expect(luhnCheckDigit('7992739871')).toBe('3');
    expect(isValidLuhn('79927398713')).toBe(true);
    expect(isValidLuhn('79927398710')).toBe(false);
    expect(isValidLuhn('4539578763621486')).toBe(true);
    expect(isValidLuhn('')).toBe(false);
    expect(isValidLuhn('12a4')).toBe(false);
  });
});

describe('feminineSurname', () => {
  it('handles the usual endings and indeclinable names', () => {
    expect(feminineSurname('Иванов')).toBe('Иванова');
    expect(feminineSurname('Соловьёв')).toBe('Соловьёва');
    expect(feminineSurname('Ильин')).toBe('Ильина');
    expect(feminineSurname('Высоцкий')).toBe('Высоцкая');
    expect(feminineSurname('Островский')).toBe('Островская');
    expect(feminineSurname('Толстой')).toBe('Толстая');
    expect(feminineSurname('Шевченко')).toBe('Шевченко');
    expect(feminineSurname('Черных')).toBe('Черных');
  });
});

describe('generateDemoCompany', () => {
  let demo: DemoCompany;
  beforeAll(() => {
    demo = generateDemoCompany({ seed: 42, lines: 250 });
  });

  it('is deterministic for the same seed', () => {
    const again = generateDemoCompany({ seed: 42, lines: 250 });
    expect(again).toEqual(demo);
    expect(JSON.stringify(again)).toBe(JSON.stringify(demo));
  });

  it('differs for another seed', () => {
    const other = generateDemoCompany({ seed: 43, lines: 250 });
    expect(other.numbers.map((n) => n.msisdn)).not.toEqual(demo.numbers.map((n) => n.msisdn));
    expect(JSON.stringify(other.numbers)).not.toBe(JSON.stringify(demo.numbers));
  });

  it('accepts lines: 0', () => {
    const empty = generateDemoCompany({ seed: 1, lines: 0 });
    expect(empty.numbers).toEqual([]);
    expect(empty.accounts.length).toBe(4);
  });

  it('rejects a bad line count', () => {
    expect(() => generateDemoCompany({ seed: 1, lines: -1 })).toThrow(RangeError);
    expect(() => generateDemoCompany({ seed: 1, lines: 1.5 })).toThrow(RangeError);
  });

  it('gives unique, well-formed, sorted msisdns', () => {
    const msisdns = demo.numbers.map((n) => n.msisdn);
    expect(msisdns).toHaveLength(250);
    expect(new Set(msisdns).size).toBe(250);
    for (const m of msisdns) {
      expect(m).toMatch(/^\+79[0-9]{9}$/);
      expect(m.startsWith('+7999000')).toBe(false);
    }
    expect([...msisdns].sort()).toEqual(msisdns);
  });

  it('gives unique ICCIDs with a valid Luhn digit', () => {
    const iccids = demo.numbers.map((n) => n.iccid);
    expect(new Set(iccids).size).toBe(250);
    for (const iccid of iccids) {
      expect(iccid).toMatch(/^897010[0-9]{13,14}$/);
      expect(isValidLuhn(iccid)).toBe(true);
    }
  });

  it('puts every number in its account region, on a tariff offered there', () => {
    const accounts = new Map(demo.accounts.map((a) => [a.id, a]));
    const tariffs = new Map(demo.tariffs.map((t) => [t.code, t]));
    for (const n of demo.numbers) {
      const account = accounts.get(n.accountId);
      expect(account).toBeDefined();
      expect(n.region).toBe(account?.region);
      const tariff = tariffs.get(n.tariff);
      expect(tariff).toBeDefined();
      expect(tariff?.regions).toContain(n.region);
    }
  });

  it('never combines incompatible services, or a service with an incompatible tariff', () => {
    const services = new Map(demo.services.map((s) => [s.code, s]));
    const clash = (a: string, b: string): boolean =>
      (services.get(a)?.incompatibleWith.includes(b) ?? false) ||
      (services.get(b)?.incompatibleWith.includes(a) ?? false);
    let withServices = 0;
    for (const n of demo.numbers) {
      expect(n.services.length).toBeLessThanOrEqual(3);
      expect(new Set(n.services).size).toBe(n.services.length);
      if (n.services.length > 0) withServices++;
      for (const s of n.services) {
        expect(services.has(s)).toBe(true);
        expect(clash(s, n.tariff)).toBe(false);
        for (const other of n.services) if (other !== s) expect(clash(s, other)).toBe(false);
      }
    }
    expect(withServices).toBeGreaterThan(100);
  });

  it('spreads numbers over every group and every account', () => {
    const byGroup = new Map<string, number>();
    for (const n of demo.numbers) byGroup.set(n.groupId, (byGroup.get(n.groupId) ?? 0) + 1);
    for (const g of demo.groups) expect(byGroup.get(g.id) ?? 0).toBeGreaterThan(0);
    expect([...byGroup.keys()].every((id) => demo.groups.some((g) => g.id === id))).toBe(true);
    const accountIds = new Set(demo.numbers.map((n) => n.accountId));
    expect(accountIds.size).toBe(demo.accounts.length);
  });

  it('has a realistic status mix with reasons, names and activation dates', () => {
    const big = generateDemoCompany({ seed: 7, lines: 20_000 });
    const count = (s: string): number =>
      big.numbers.filter((n) => n.status === s).length / big.numbers.length;
    expect(count('active')).toBeGreaterThan(0.87);
    expect(count('active')).toBeLessThan(0.93);
    expect(count('blocked')).toBeGreaterThan(0.04);
    expect(count('suspended_by_operator')).toBeGreaterThan(0.01);
    expect(count('terminated')).toBeGreaterThan(0.01);
    const sales = big.numbers.filter((n) => n.groupId.startsWith('sales')).length / big.numbers.length;
    expect(sales).toBeGreaterThan(0.25);
    expect(sales).toBeLessThan(0.35);
    const bad = big.numbers.filter((n) => {
      const reasonOk =
        n.status === 'blocked'
          ? ['lost', 'employee_left', 'vacation'].includes(n.blockReason ?? '')
          : n.status === 'suspended_by_operator'
            ? n.blockReason === 'debt'
            : n.blockReason === null;
      const timeOk =
        n.activatedAt >= '2019-01-01T00:00:00Z' &&
        n.activatedAt <= '2026-06-30T23:59:59Z' &&
        new Date(n.activatedAt).toISOString().slice(0, 19) + 'Z' === n.activatedAt;
      return !reasonOk || !timeOk || !/^[А-ЯЁ][а-яё-]+ [А-ЯЁ][а-яё]+$/.test(n.employee);
    });
    expect(bad.slice(0, 3)).toEqual([]);
    const women =
      big.numbers.filter((n) => /(ова|ева|ёва|ина) /.test(n.employee)).length / big.numbers.length;
    expect(women).toBeGreaterThan(0.25);
  });

  it('has the three demo users with their grants', () => {
    const user = (email: string) => demo.users.find((u) => u.email === email);
    expect(user('admin@demo.test')).toMatchObject({
      phone: '+79990000001',
      password: 'admin-demo-1',
      grants: [{ role: 'Administrator', groupId: null }],
    });
    expect(user('manager@demo.test')).toMatchObject({
      phone: '+79990000002',
      password: 'manager-demo-1',
      grants: [{ role: 'Sales manager', groupId: 'sales' }],
    });
    expect(user('viewer@demo.test')).toMatchObject({
      phone: '+79990000003',
      password: 'viewer-demo-1',
      grants: [{ role: 'Viewer', groupId: null }],
    });
    const role = (name: string) => demo.roles.find((r) => r.name === name)?.permissions;
    expect([...(role('Administrator') ?? [])].sort()).toEqual([...ALL_PERMISSIONS].sort());
    expect(role('Sales manager')).toEqual([
      'numbers:read',
      'tariff:write',
      'services:write',
      'block:write',
      'events:read',
    ]);
    expect(role('Viewer')).toEqual([
      'numbers:read',
      'detail:read',
      'money:read',
      'reports:read',
      'events:read',
    ]);
    expect(demo.company.name).toBe('Romashka LLC');
  });

  it('has a rich catalog', () => {
    expect(demo.tariffs.length).toBeGreaterThanOrEqual(8);
    expect(demo.services.length).toBeGreaterThanOrEqual(15);
    expect(new Set(demo.accounts.map((a) => a.region)).size).toBeGreaterThanOrEqual(4);
    // Some tariff is not offered everywhere, and some account region misses it.
    const accountRegions = demo.accounts.map((a) => a.region);
    expect(demo.tariffs.some((t) => accountRegions.some((r) => !t.regions.includes(r)))).toBe(true);
    for (const t of demo.tariffs) {
      expect(t.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(t.monthlyFee).toBeGreaterThanOrEqual(10000);
      expect(t.monthlyFee).toBeLessThanOrEqual(350000);
    }
    // A low-balance account exists for "balance below change fee" rules.
    expect(demo.accounts.some((a) => a.balance < 10000)).toBe(true);
  });

  it('does not let callers corrupt the next result by mutating this one', () => {
    const a = generateDemoCompany({ seed: 5, lines: 3 });
    a.tariffs[0].regions.push('XXX');
    a.users[0].grants.length = 0;
    const b = generateDemoCompany({ seed: 5, lines: 3 });
    expect(b.tariffs[0].regions).not.toContain('XXX');
    expect(b.users[0].grants.length).toBeGreaterThan(0);
  });

  it('makes the same lines as they are read, again on each reading', () => {
    const lines = demoCompanyLines({ seed: 42, lines: 250 });
    expect([...lines.numbers]).toEqual(demo.numbers);
    expect([...lines.numbers]).toEqual(demo.numbers);
    // More lines than one chunk of the generator (4,096), in msisdn order across chunk borders.
    const many = [...demoCompanyLines({ seed: 3, lines: 10_000 }).numbers].map((n) => n.msisdn);
    expect(many).toEqual([...many].sort());
    expect(new Set(many).size).toBe(10_000);
    expect(() => demoCompanyLines({ seed: 1, lines: -1 })).toThrow(RangeError);
  });

  // How fast is bench/scale.js's (seeding, start to listening): a timed test fails on a busy machine.
  it('generates 100,000 lines with distinct numbers and ICCIDs', () => {
    const big = generateDemoCompany({ seed: 1, lines: 100_000 });
    expect(big.numbers).toHaveLength(100_000);
    expect(new Set(big.numbers.map((n) => n.msisdn)).size).toBe(100_000);
    expect(new Set(big.numbers.map((n) => n.iccid)).size).toBe(100_000);
  });
});

describe('validateDemoFixtures', () => {
  const tariffs = (catalog: Record<string, unknown[]>) => catalog.tariffs as { regions: string[] }[];

  it('accepts the shipped fixtures', () => {
    const { catalog, company } = fixtures();
    expect(() => validateDemoFixtures(catalog, company)).not.toThrow();
  });

  it('rejects a tariff in an unknown region, naming where it is', () => {
    const { catalog, company } = fixtures();
    const regions = (tariffs(catalog)[0] as { regions: string[] }).regions;
    regions.push('ZZZ');
    expect(() => validateDemoFixtures(catalog, company)).toThrow(
      `catalog.json /tariffs/0/regions/${regions.length - 1}: unknown region "ZZZ"`,
    );
  });

  it('rejects an unknown code in incompatibleWith', () => {
    const { catalog, company } = fixtures();
    (catalog.services[0] as { incompatibleWith: string[] }).incompatibleWith.push('NOPE');
    expect(() => validateDemoFixtures(catalog, company)).toThrow(
      /catalog\.json \/services\/0\/incompatibleWith\/\d+: unknown code "NOPE"/,
    );
  });

  it('rejects a duplicate tariff code', () => {
    const { catalog, company } = fixtures();
    catalog.tariffs.push({ ...(catalog.tariffs[0] as object) });
    expect(() => validateDemoFixtures(catalog, company)).toThrow(
      new RegExp(`catalog\\.json /tariffs/${catalog.tariffs.length - 1}: duplicate "VOICE_ECO"`),
    );
  });

  it('rejects a group with an unknown parent', () => {
    const { catalog, company } = fixtures();
    company.groups.push({ id: 'orphan', name: 'Orphan', parentId: 'nowhere' });
    expect(() => validateDemoFixtures(catalog, company)).toThrow(
      /demo-company\.json \/groups\/\d+\/parentId: unknown parent "nowhere"/,
    );
  });

  it('rejects a grant of an unknown role or group', () => {
    const { catalog, company } = fixtures();
    (company.users[0] as { grants: unknown[] }).grants.push({ role: 'Wizard', groupId: null });
    expect(() => validateDemoFixtures(catalog, company)).toThrow(
      /demo-company\.json \/users\/0\/grants\/1\/role: unknown role "Wizard"/,
    );
    const second = fixtures();
    (second.company.users[0] as { grants: unknown[] }).grants.push({ role: 'Viewer', groupId: 'mars' });
    expect(() => validateDemoFixtures(second.catalog, second.company)).toThrow(
      /\/users\/0\/grants\/1\/groupId: unknown group "mars"/,
    );
  });

  it('rejects a role with a permission outside the catalog, naming the path and the value', () => {
    const { catalog, company } = fixtures();
    const permissions = (company.roles[1] as { permissions: string[] }).permissions;
    permissions.push('rockets:launch');
    expect(() => validateDemoFixtures(catalog, company)).toThrow(
      `demo-company.json /roles/1/permissions/${permissions.length - 1}: Expected union value, got "rockets:launch"`,
    );
  });

  it('rejects malformed shapes with the JSON path of each problem', () => {
    const { catalog, company } = fixtures();
    (catalog.tariffs[0] as { monthlyFee: unknown }).monthlyFee = '150';
    expect(() => validateDemoFixtures(catalog, company)).toThrow(
      'catalog.json /tariffs/0/monthlyFee: Expected integer, got "150"',
    );
    expect(() => validateDemoFixtures(null, company)).toThrow('catalog.json /: Expected object, got null');
  });

  it('lists every shape problem at once', () => {
    const { catalog, company } = fixtures();
    (company.accounts[0] as { billingDay: unknown }).billingDay = 31;
    (company.users[1] as { phone: unknown }).phone = '8 916 123';
    expect(() => validateDemoFixtures(catalog, company)).toThrow(
      /\/accounts\/0\/billingDay: Expected integer to be less or equal to 28, got 31\n.*\/users\/1\/phone: /,
    );
  });

  it('refuses a misspelt key rather than reading it as missing', () => {
    const { catalog, company } = fixtures();
    (catalog.tariffs[2] as Record<string, unknown>).roamingIncuded = true;
    expect(() => validateDemoFixtures(catalog, company)).toThrow(
      /catalog\.json \/tariffs\/2\/roamingIncuded: /,
    );
  });
});
