import path from 'node:path';
import { AppealsRepo } from './appeals-repo.js';
import { AuditRepo } from './audit-repo.js';
import { AuthRepo } from './auth-repo.js';
import { BillingRepo } from './billing-repo.js';
import { CdrLinesRepo } from './cdr-lines.js';
import { LimitsRepo } from './limits-repo.js';
import { LoginFailuresRepo } from './login-failures-repo.js';
import { DetailRequestsRepo } from './detail-requests-repo.js';
import { EventsRepo } from './events-repo.js';
import { WebhooksRepo } from './webhooks-repo.js';
import { ReportJobsRepo } from './report-jobs-repo.js';
import { CatalogRepo } from './catalog-repo.js';
import { ChangesRepo } from './changes-repo.js';
import { ConsentsRepo } from './consents-repo.js';
import { GroupsRepo } from './groups-repo.js';
import { OperationsRepo } from './operations-repo.js';
import { closeDatabase, openDatabase, type Db, type DbOptions } from './db.js';
import { NumbersRepo } from './numbers-repo.js';
import { PaymentsRepo } from './payments-repo.js';
import { UsersRepo } from './users-repo.js';
import { insertCompany } from './seed-repo.js';

/** All repositories over one database. The only way the engine and routes reach data. */
export class Store {
  readonly catalog: CatalogRepo;
  readonly numbers: NumbersRepo;
  readonly users: UsersRepo;
  readonly auth: AuthRepo;
  readonly loginFailures: LoginFailuresRepo;
  readonly audit: AuditRepo;
  readonly operations: OperationsRepo;
  readonly changes: ChangesRepo;
  readonly groups: GroupsRepo;
  readonly consents: ConsentsRepo;
  readonly appeals: AppealsRepo;
  readonly payments: PaymentsRepo;
  readonly billing: BillingRepo;
  readonly cdrLines: CdrLinesRepo;
  readonly limits: LimitsRepo;
  readonly detailRequests: DetailRequestsRepo;
  readonly reportJobs: ReportJobsRepo;
  readonly events: EventsRepo;
  readonly webhooks: WebhooksRepo;
  /** Only repositories touch the database: SQL lives in this folder and nowhere else. */
  readonly #db: Db;
  /**
   * Transactions in progress, counted in memory shared with the other thread: [0] the HTTP thread's
   * (waiting or running), [1] the background thread's; `mine` is the one this store counts.
   */
  #shared: { counters: Int32Array; mine: 0 | 1 } | undefined;
  private readonly metaStmt;
  private readonly setMetaStmt;

  constructor(db: Db, dataDir = '') {
    this.#db = db;
    this.catalog = new CatalogRepo(db);
    this.numbers = new NumbersRepo(db);
    this.users = new UsersRepo(db);
    this.auth = new AuthRepo(db);
    this.loginFailures = new LoginFailuresRepo(db);
    this.audit = new AuditRepo(db);
    this.operations = new OperationsRepo(db);
    this.changes = new ChangesRepo(db);
    this.groups = new GroupsRepo(db);
    this.consents = new ConsentsRepo(db);
    this.appeals = new AppealsRepo(db, path.join(dataDir, 'attachments'));
    this.payments = new PaymentsRepo(db);
    this.billing = new BillingRepo(db);
    this.cdrLines = new CdrLinesRepo(db);
    this.limits = new LimitsRepo(db);
    this.detailRequests = new DetailRequestsRepo(db);
    this.reportJobs = new ReportJobsRepo(db, path.join(dataDir, 'reports'));
    this.events = new EventsRepo(db);
    this.webhooks = new WebhooksRepo(db);
    this.metaStmt = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    this.setMetaStmt = db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  /** Opens the store in a data directory, migrating the schema. */
  static open(dataDir: string, opts: DbOptions = {}): Store {
    return new Store(openDatabase(dataDir, opts), dataDir);
  }

  /** A value of the meta table (e.g. `company`). */
  meta(key: string): string | undefined {
    return this.metaStmt.get(key)?.value;
  }

  /** Sets a value of the meta table. */
  setMeta(key: string, value: string): void {
    this.setMetaStmt.run(key, value);
  }

  /** Writes a whole generated company into the (empty) store, in one transaction. */
  loadCompany(
    // The seed repository's own parameter type: the store names no engine type (docs/DESIGN.md layers).
    company: Parameters<typeof insertCompany>[1],
    passwordHashOf: (user: { email: string; password: string }) => string,
    now: string,
  ): void {
    insertCompany(this.#db, company, passwordHashOf, now);
  }

  /** True until a company has been loaded. */
  isEmpty(): boolean {
    return this.meta('company') === undefined;
  }

  /**
   * Runs `fn` in one transaction, begun IMMEDIATE: it takes SQLite's write lock at the start (waiting for
   * it under busy_timeout). A deferred one that read first and wrote later fails at once with
   * SQLITE_BUSY when another connection (the history thread) wrote in between: it cannot wait its way
   * out of a stale snapshot.
   */
  transaction<T>(fn: () => T): T {
    const shared = this.#shared;
    if (!shared) return this.#db.transaction(fn).immediate();
    Atomics.add(shared.counters, shared.mine, 1);
    try {
      return this.#db.transaction(fn).immediate();
    } finally {
      Atomics.sub(shared.counters, shared.mine, 1);
    }
  }

  /**
   * SQLite has one writer, and a connection waiting for the lock sleeps: on the HTTP thread that is a
   * frozen event loop, and a background thread that takes the lock again after each slice can keep it
   * waiting for many slices. So the HTTP thread's store counts its transactions (waiting or running) in
   * shared memory, and a background thread's store, given the same counter, lets them go first
   * (`othersDone` before each slice): the HTTP thread then waits for one slice at most.
   */
  shareWriters(): Int32Array {
    this.#shared ??= { counters: new Int32Array(new SharedArrayBuffer(8)), mine: 0 };
    return this.#shared.counters;
  }

  /** Counts this store's transactions as the background thread's, beside the HTTP thread's `shareWriters`. */
  yieldTo(counters: Int32Array): void {
    this.#shared = { counters, mine: 1 };
  }

  /**
   * Resolves once the other thread has no transaction waiting or running (at once without sharing),
   * polled each ms with the event loop running. The history thread waits here before each slice, so the
   * HTTP thread's writes go first; the HTTP thread's worker waits here before each chunk, rather than
   * asleep in SQLite's busy handler for the rest of the thread's slice.
   */
  async othersDone(): Promise<void> {
    const shared = this.#shared;
    const theirs = shared?.mine === 0 ? 1 : 0;
    while (shared && Atomics.load(shared.counters, theirs) > 0) await new Promise((r) => setTimeout(r, 1));
  }

  /** Checkpoints and closes. */
  /**
   * Closes the database, first moving the WAL into the main file; `checkpoint: false` skips that (a
   * second connection, like the history thread's, leaves it to the backend's own, which closes last —
   * a truncating checkpoint would wait for the other's readers).
   */
  close(opts: { checkpoint?: boolean } = {}): void {
    closeDatabase(this.#db, opts.checkpoint ?? true);
  }
}
