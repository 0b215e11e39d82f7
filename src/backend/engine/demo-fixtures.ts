/**
 * The two fixture files of the demo company, fixtures/catalog.json and fixtures/demo-company.json: their
 * shape as TypeBox schemas (an error names the file and the JSON path), then the rules between records
 * that a schema cannot say (unique codes, references between tariffs, regions, groups, roles, users).
 * The backend loads this module; the CLI never does, so `vm --help` does not pay for TypeBox.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Service, Tariff } from '../../api/lines.js';
import { ALL_PERMISSIONS } from '../../domain/permissions.js';

const Text = Type.String({ minLength: 1 });
/** Fixtures are written by hand: a misspelt key is an error, not a silently missing value. */
const Strict = { additionalProperties: false } as const;

/** A region of the operator. */
export const DemoRegion = Type.Object({ code: Text, name: Text, nameRu: Text }, Strict);
export type DemoRegion = Static<typeof DemoRegion>;

const Allowance = Type.Integer({ minimum: -1, description: '-1 = unlimited' });

const CatalogTariff = Type.Object(
  {
    code: Text,
    name: Text,
    monthlyFee: Type.Integer({ minimum: 0 }),
    minutes: Allowance,
    sms: Allowance,
    dataMb: Allowance,
    regions: Type.Array(Text, { minItems: 1, description: 'Offered in these regions only' }),
    roamingIncluded: Type.Optional(Type.Boolean()),
    description: Text,
  },
  Strict,
);

const CatalogService = Type.Object(
  {
    code: Text,
    name: Text,
    monthlyFee: Type.Integer({ minimum: 0 }),
    connectFee: Type.Integer({ minimum: 0 }),
    incompatibleWith: Type.Array(Text, { description: 'Codes of services or tariffs' }),
    description: Text,
  },
  Strict,
);

const Catalog = Type.Object(
  {
    regions: Type.Array(DemoRegion),
    tariffs: Type.Array(CatalogTariff),
    services: Type.Array(CatalogService),
  },
  Strict,
);

/** A contract (personal account) of the demo company. */
export const DemoAccount = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9]+$' }),
    name: Text,
    contractNo: Text,
    region: Text,
    balance: Type.Integer(),
    creditLimit: Type.Integer({ minimum: 0 }),
    billingDay: Type.Integer({ minimum: 1, maximum: 28 }),
  },
  Strict,
);
export type DemoAccount = Static<typeof DemoAccount>;

/** A node of the group tree; parents come before their children. */
export const DemoGroup = Type.Object(
  { id: Text, name: Text, parentId: Type.Union([Text, Type.Null()]) },
  Strict,
);
export type DemoGroup = Static<typeof DemoGroup>;

/** A role: a named set of permissions. */
export const DemoRole = Type.Object(
  {
    name: Text,
    description: Text,
    permissions: Type.Array(Type.Union(ALL_PERMISSIONS.map((p) => Type.Literal(p)))),
  },
  Strict,
);
export type DemoRole = Static<typeof DemoRole>;

/** A role given over a group subtree (`groupId: null` = the whole company). */
export const DemoGrant = Type.Object({ role: Text, groupId: Type.Union([Text, Type.Null()]) }, Strict);
export type DemoGrant = Static<typeof DemoGrant>;

/** A user of the corporate cabinet (the password is plain text in the fixture; the store hashes it). */
export const DemoUser = Type.Object(
  {
    email: Text,
    phone: Type.Union([Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' }), Type.Null()]),
    name: Text,
    password: Text,
    grants: Type.Array(DemoGrant),
  },
  Strict,
);
export type DemoUser = Static<typeof DemoUser>;

/** A first name of the names pool. */
export const DemoFirstName = Type.Object({ name: Text, female: Type.Boolean() }, Strict);
export type DemoFirstName = Static<typeof DemoFirstName>;

const Company = Type.Object(
  {
    company: Type.Object({ name: Text }, Strict),
    accounts: Type.Array(DemoAccount, { minItems: 1 }),
    groups: Type.Array(DemoGroup, { minItems: 1 }),
    roles: Type.Array(DemoRole),
    users: Type.Array(DemoUser),
    names: Type.Object(
      {
        first: Type.Array(DemoFirstName),
        last: Type.Array(Text, { minItems: 1, description: 'Surnames in their masculine form' }),
      },
      Strict,
    ),
  },
  Strict,
);

/** The two fixture files, parsed and validated. */
export interface DemoFixtures {
  regions: DemoRegion[];
  tariffs: Tariff[];
  services: Service[];
  company: { name: string };
  accounts: DemoAccount[];
  groups: DemoGroup[];
  roles: DemoRole[];
  users: DemoUser[];
  names: { first: DemoFirstName[]; last: string[] };
}

/** The errors shown for a file that does not fit its schema; more are counted, not listed. */
const MAX_LISTED = 10;

/** The value when it fits the schema; otherwise an Error listing each problem with its JSON path. */
function checked<T extends TSchema>(schema: T, value: unknown, file: string): Static<T> {
  const problems = new Map<string, string>();
  for (const e of Value.Errors(schema, value)) {
    const path = e.path || '/';
    // A missing property is also "not a string" there: the first word on a path says it.
    if (problems.has(path)) continue;
    const got = e.value === undefined ? '' : `, got ${JSON.stringify(e.value)}`;
    problems.set(path, `${file} ${path}: ${e.message}${got.length > 70 ? `${got.slice(0, 70)}…` : got}`);
  }
  if (problems.size === 0) return value as Static<T>;
  const listed = [...problems.values()].slice(0, MAX_LISTED);
  if (problems.size > MAX_LISTED) listed.push(`… and ${problems.size - MAX_LISTED} more`);
  throw new Error(`demo fixtures: ${listed.join('\n  ')}`);
}

/** Parses and cross-checks the catalog and the demo company fixtures; throws a clear Error on any problem. */
export function validateDemoFixtures(catalogJson: unknown, companyJson: unknown): DemoFixtures {
  const catalog = checked(Catalog, catalogJson, 'catalog.json');
  const company = checked(Company, companyJson, 'demo-company.json');
  checkReferences(catalog, company);
  return {
    regions: catalog.regions,
    tariffs: catalog.tariffs.map((t) => ({
      code: t.code,
      name: t.name,
      monthlyFee: t.monthlyFee,
      minutes: t.minutes,
      sms: t.sms,
      dataMb: t.dataMb,
      regions: t.regions,
      roamingIncluded: t.roamingIncluded === true,
      description: t.description,
    })),
    services: catalog.services,
    company: company.company,
    accounts: company.accounts,
    groups: company.groups,
    roles: company.roles,
    users: company.users,
    names: company.names,
  };
}

/** The rules between records: unique keys, and every reference names something that exists. */
function checkReferences(catalog: Static<typeof Catalog>, company: Static<typeof Company>): void {
  const fail = (where: string, msg: string): never => {
    throw new Error(`demo fixtures: ${where}: ${msg}`);
  };
  const unique = <T>(items: T[], key: (item: T) => string, where: string): Set<string> => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const k = key(item);
      if (seen.has(k)) fail(`${where}/${i}`, `duplicate "${k}"`);
      seen.add(k);
    });
    return seen;
  };

  const regionCodes = unique(catalog.regions, (r) => r.code, 'catalog.json /regions');
  catalog.tariffs.forEach((t, i) =>
    t.regions.forEach((r, j) => {
      if (!regionCodes.has(r)) fail(`catalog.json /tariffs/${i}/regions/${j}`, `unknown region "${r}"`);
    }),
  );
  const tariffCodes = unique(catalog.tariffs, (t) => t.code, 'catalog.json /tariffs');
  const serviceCodes = unique(catalog.services, (s) => s.code, 'catalog.json /services');
  catalog.services.forEach((s, i) => {
    const where = `catalog.json /services/${i}`;
    if (tariffCodes.has(s.code)) fail(where, `service ${s.code} has the same code as a tariff`);
    s.incompatibleWith.forEach((c, j) => {
      if (c === s.code)
        fail(`${where}/incompatibleWith/${j}`, `service ${s.code} is incompatible with itself`);
      if (!serviceCodes.has(c) && !tariffCodes.has(c))
        fail(`${where}/incompatibleWith/${j}`, `unknown code "${c}"`);
    });
  });

  company.accounts.forEach((a, i) => {
    const where = `demo-company.json /accounts/${i}/region`;
    if (!regionCodes.has(a.region)) fail(where, `unknown region "${a.region}"`);
    if (!catalog.tariffs.some((t) => t.regions.includes(a.region)))
      fail(where, `no tariff is offered in region "${a.region}"`);
  });
  unique(company.accounts, (a) => a.id, 'demo-company.json /accounts');

  // Parents before children: the store inserts groups in this order.
  const groupIds = new Set<string>();
  company.groups.forEach((g, i) => {
    const where = `demo-company.json /groups/${i}`;
    if (groupIds.has(g.id)) fail(where, `duplicate "${g.id}"`);
    if (g.parentId !== null && !groupIds.has(g.parentId))
      fail(`${where}/parentId`, `unknown parent "${g.parentId}" (parents must be listed before children)`);
    groupIds.add(g.id);
  });

  const roleNames = unique(company.roles, (r) => r.name, 'demo-company.json /roles');
  company.users.forEach((u, i) =>
    u.grants.forEach((g, j) => {
      const where = `demo-company.json /users/${i}/grants/${j}`;
      if (!roleNames.has(g.role)) fail(`${where}/role`, `unknown role "${g.role}"`);
      if (g.groupId !== null && !groupIds.has(g.groupId))
        fail(`${where}/groupId`, `unknown group "${g.groupId}"`);
    }),
  );
  // Logins are case-insensitive.
  unique(company.users, (u) => u.email.toLowerCase(), 'demo-company.json /users');

  const first = company.names.first;
  if (!first.some((f) => f.female) || !first.some((f) => !f.female))
    fail('demo-company.json /names/first', 'needs both female and male names');
}

let cached: DemoFixtures | undefined;

/**
 * The fixtures folder, found by walking up from this module: the same code runs from src/ under jest
 * and from the bundle in dist/, at different depths.
 */
function fixturesDir(): URL {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    const candidate = new URL('fixtures/', dir);
    if (existsSync(new URL('catalog.json', candidate))) return candidate;
    if (dir.pathname === '/') throw new Error(`demo fixtures: no fixtures/ folder above ${import.meta.url}`);
  }
}

function readJson(file: string): unknown {
  const url = new URL(file, fixturesDir());
  try {
    return JSON.parse(readFileSync(url, 'utf8')) as unknown;
  } catch (err) {
    throw new Error(`demo fixtures: cannot read ${url.pathname}: ${(err as Error).message}`, { cause: err });
  }
}

/** The validated fixtures (fixtures/catalog.json and fixtures/demo-company.json), read once per process. */
export function loadDemoFixtures(): DemoFixtures {
  cached ??= validateDemoFixtures(readJson('catalog.json'), readJson('demo-company.json'));
  return cached;
}
