import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { ManualClock, SystemClock, type Clock } from '../domain/clock.js';
import { AppealsService } from './engine/appeals-service.js';
import { AuditService } from './engine/audit-service.js';
import { AuthService } from './engine/auth-service.js';
import { Billing } from './engine/billing.js';
import { BillingService } from './engine/billing-service.js';
import { DetailService } from './engine/detail-service.js';
import { ReportsService } from './engine/reports-service.js';
import { generateDemoCompany } from './engine/demo-company.js';
import { GroupsService } from './engine/groups-service.js';
import { LinesService } from './engine/lines-service.js';
import { LocatorService } from './engine/locator-service.js';
import { OperationsService } from './engine/operations-service.js';
import { PaymentsService } from './engine/payments-service.js';
import { OperationWorker } from './engine/worker.js';
import { UsersService } from './engine/users-service.js';
import { hashPassword, seededSalt } from './engine/passwords.js';
import { buildApp, type RegisteredRoute } from './http/app.js';
import type { BackendServices } from './http/context.js';
import { Store } from './store/store.js';

export interface BackendOptions {
  dataDir: string;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Demo company generation, used only when the data dir is empty. */
  seed?: number;
  lines?: number;
  /** A manual clock starting at this time instead of the system clock. */
  clockStart?: Date;
  /** Enables /v1/test/* routes. */
  testMode?: boolean;
  tls?: { certFile: string; keyFile: string } | null;
  logLevel?: string;
  version?: string;
  /** Items per worker transaction. */
  chunkSize?: number;
}

/** A running backend. */
export interface Backend {
  url: string;
  app: FastifyInstance & { registered: RegisteredRoute[] };
  services: BackendServices;
  /** Stops accepting requests, waits for the ones in flight, checkpoints and closes the database. */
  close(): Promise<void>;
}

/** Opens the store (seeding the demo company into an empty one) and builds the app without listening. */
export async function createBackend(opts: BackendOptions): Promise<Omit<Backend, 'url'>> {
  const store = Store.open(opts.dataDir);
  let clock: Clock = new SystemClock();
  let setClock: ((now: Date) => void) | undefined;
  if (opts.clockStart) {
    const manual = new ManualClock(opts.clockStart);
    clock = manual;
    setClock = (now) => manual.set(now);
  }
  if (store.isEmpty()) {
    const seed = opts.seed ?? 1;
    const company = generateDemoCompany({ seed, lines: opts.lines ?? 250 });
    store.loadCompany(
      company,
      (u) => hashPassword(u.password, seededSalt(seed, u.email)),
      clock.now().toISOString(),
    );
  }
  Billing.init(store, clock.now(), opts.seed ?? 1);
  const billing = new Billing(store, OperationsService.newId);
  let kick = () => {};
  const detail = new DetailService(store, clock, billing.usage, () => kick());
  const worker = new OperationWorker(store, clock, {
    newId: OperationsService.newId,
    chunkSize: opts.chunkSize,
    billing,
    background: detail,
  });
  kick = () => worker.kick();
  const services: BackendServices = {
    store,
    clock,
    auth: new AuthService(store, clock),
    audit: new AuditService(store),
    users: new UsersService(store, clock),
    groups: new GroupsService(store),
    locator: new LocatorService(store, clock),
    appeals: new AppealsService(store, clock),
    payments: new PaymentsService(store, clock),
    billing: new BillingService(store, clock, billing),
    detail,
    reports: new ReportsService(store, clock, billing.usage),
    lines: new LinesService(store),
    operations: new OperationsService(store, clock, () => worker.kick()),
    worker,
    testMode: opts.testMode ?? false,
    setClock,
  };
  const logger =
    opts.logLevel && opts.logLevel !== 'silent' ? { level: opts.logLevel, stream: process.stderr } : false;
  const https = opts.tls
    ? { cert: fs.readFileSync(opts.tls.certFile), key: fs.readFileSync(opts.tls.keyFile) }
    : null;
  const app = await buildApp(services, { logger, https, version: opts.version ?? '0.0.0' });
  worker.start();
  let closed = false;
  return {
    app,
    services,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await worker.stop();
      store.close();
    },
  };
}

/** Starts the backend listening; resolves once it accepts connections. */
export async function startBackend(opts: BackendOptions): Promise<Backend> {
  const backend = await createBackend(opts);
  const host = opts.host ?? '127.0.0.1';
  await backend.app.listen({ host, port: opts.port ?? 7080 });
  const address = backend.app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { ...backend, url: `${opts.tls ? 'https' : 'http'}://${shownHost}:${port}` };
}
