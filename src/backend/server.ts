import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import { inspect } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { ManualClock, SystemClock, type Clock } from '../domain/clock.js';
import { DEFAULT_RATE_LIMITS, type RateLimits } from '../domain/rate-limit-spec.js';
import { AppealsService } from './engine/appeals-service.js';
import { EventsService } from './engine/events.js';
import { WebhookDispatcher, WebhooksService } from './engine/webhooks.js';
import { WebhookDeliveries } from './engine/webhook-delivery.js';
import {
  InProcessDeliverySender,
  WebhookSender,
  type BatchItem,
  type DeliverySender,
  type SendResult,
} from './engine/webhook-sender.js';
import { AuditService } from './engine/audit-service.js';
import { AuthService } from './engine/auth-service.js';
import { Billing } from './engine/billing.js';
import { BillingService } from './engine/billing-service.js';
import { AlertsService } from './engine/alerts-service.js';
import { DetailService } from './engine/detail-service.js';
import { ReportsService } from './engine/reports-service.js';
import { demoCompanyLines } from './engine/demo-company.js';
import { HistoryBackfill } from './engine/history.js';
import { ReportJobs } from './engine/report-jobs.js';
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
import type { Faults } from './http/faults.js';
import { dataDirError, lockDataDir } from './store/data-dir.js';
import type { SendBatch } from './webhook-thread.js';
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
  /** Reports over more numbers than this become background jobs (tests make it small). */
  syncReportNumbers?: number;
  /** Test hook: each slice of a report job holds the thread this long more (see ReportJobs). */
  slowSliceMs?: number;
  /** Check every answer against the OpenAPI document (tests); default: VM_CHECK_CONTRACT=1. */
  checkContract?: boolean;
  /** Rate limits; null: none; default: DEFAULT_RATE_LIMITS, as a real operator API has them. */
  rateLimits?: RateLimits | null;
  /** Faults to inject into answers (`--faults`); default: none. */
  faults?: Faults | null;
  /** How often event streams look for events, say they are alive, and check their caller again (ms). */
  eventStream?: { pollMs?: number; heartbeatMs?: number; recheckMs?: number };
  /**
   * Let webhooks call private, link-local, unspecified, multicast and reserved addresses (`vm backend start
   * --allow-private-webhooks`: a lab or a closed network). Off by default: a subscription must not make the
   * backend call into the network it runs in (server-side request forgery).
   */
  allowPrivateWebhooks?: boolean;
}

/** A running backend. */
export interface Backend {
  url: string;
  app: FastifyInstance & { registered: RegisteredRoute[] };
  services: BackendServices;
  /** Stops accepting requests, waits for the ones in flight, checkpoints and closes the database. */
  close(): Promise<void>;
}

/**
 * Takes the data directory (DataDirLockedError if another backend has it), opens the store (seeding the
 * demo company into an empty one; DataDirError if the directory or database cannot be used) and builds
 * the app without listening.
 */
export async function createBackend(opts: BackendOptions): Promise<Omit<Backend, 'url'>> {
  let clock: Clock = new SystemClock();
  let setClock: ((now: Date) => void) | undefined;
  if (opts.clockStart) {
    const manual = new ManualClock(opts.clockStart);
    clock = manual;
    setClock = (now) => manual.set(now);
  }
  const lock = lockDataDir(opts.dataDir);
  let store: Store | undefined;
  try {
    try {
      store = openData(opts, clock);
    } catch (err) {
      // Disk and file errors while the data is opened, seeded and initialised are about the data
      // directory; later ones (a TLS key file, a bug) are reported as they are.
      throw dataDirError(err, opts.dataDir) ?? err;
    }
    const backend = await buildBackend(store, clock, setClock, opts);
    return {
      ...backend,
      async close() {
        await backend.close();
        lock.release();
      },
    };
  } catch (err) {
    try {
      store?.close();
    } catch {
      // The store may be what failed; the error worth reporting is the first one.
    }
    lock.release();
    throw err;
  }
}

/** Opens the store, seeds the demo company into an empty one, and readies billing. */
function openData(opts: BackendOptions, clock: Clock): Store {
  const store = Store.open(opts.dataDir);
  try {
    if (store.isEmpty()) {
      const seed = opts.seed ?? 1;
      const company = demoCompanyLines({ seed, lines: opts.lines ?? 250 });
      store.loadCompany(
        company,
        (u) => hashPassword(u.password, seededSalt(seed, u.email)),
        clock.now().toISOString(),
      );
    }
    Billing.init(store, clock.now(), opts.seed ?? 1);
    return store;
  } catch (err) {
    try {
      store.close();
    } catch {
      // A full disk may fail the checkpoint too; the first error is the one to report.
    }
    throw err;
  }
}

/** The services, the worker and the app over an opened store. */
async function buildBackend(
  store: Store,
  clock: Clock,
  setClock: ((now: Date) => void) | undefined,
  opts: BackendOptions,
): Promise<Omit<Backend, 'url'>> {
  // Operations a stopped backend was still storing never answered their callers, who resend them.
  store.transaction(() => store.operations.dropPreparing());
  const billing = new Billing(store, OperationsService.newId);
  let kick = () => {};
  const detail = new DetailService(store, clock, billing.usage, () => kick());
  const history = new HistoryBackfill(store, billing.usage);
  const historyThread =
    !history.status().complete && store.numbers.count() >= HISTORY_THREAD_LINES
      ? startHistoryThread(opts.dataDir, store, history, () => kick())
      : undefined;
  const reports = new ReportsService(store, clock, billing.usage);
  const reportJobs = new ReportJobs(store, clock, reports, history, () => kick(), {
    syncNumbers: opts.syncReportNumbers,
    slowSliceMs: opts.slowSliceMs,
  });
  const appeals = new AppealsService(store, clock);
  const events = new EventsService(store, clock, opts.eventStream);
  const sender = new WebhookSender({ allowPrivate: opts.allowPrivateWebhooks ?? false });
  const inProcess = new InProcessDeliverySender(sender);
  let kickDeliveries = () => {};
  const dispatcher = new WebhookDispatcher(store, clock, () => kickDeliveries());
  const deliveries = new WebhookDeliveries(
    store,
    clock,
    lazySender(() => startWebhookThread(opts.allowPrivateWebhooks ?? false, inProcess) ?? inProcess),
    dispatcher,
  );
  kickDeliveries = () => deliveries.kick();
  const worker = new OperationWorker(store, clock, {
    newId: OperationsService.newId,
    chunkSize: opts.chunkSize,
    billing,
    // Webhook fan-out first: deliveries follow their events closely.
    background: [dispatcher, detail, reportJobs, history, appeals, events],
  });
  kick = () => worker.kick();
  const alerts = new AlertsService(store, clock);
  const services: BackendServices = {
    store,
    clock,
    auth: new AuthService(store, clock),
    audit: new AuditService(store),
    events,
    webhooks: new WebhooksService(store, clock, sender, kickDeliveries),
    users: new UsersService(store, clock),
    groups: new GroupsService(store),
    locator: new LocatorService(store, clock),
    appeals,
    payments: new PaymentsService(store, clock),
    billing: new BillingService(store, clock, billing, alerts),
    alerts,
    detail,
    reports,
    reportJobs,
    history,
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
  const app = await buildApp(services, {
    logger,
    https,
    version: opts.version ?? '0.0.0',
    checkContract: opts.checkContract ?? process.env.VM_CHECK_CONTRACT === '1',
    rateLimits: opts.rateLimits === undefined ? DEFAULT_RATE_LIMITS : opts.rateLimits,
    faults: opts.faults ?? null,
  });
  worker.start();
  deliveries.start();
  let closed = false;
  return {
    app,
    services,
    async close() {
      if (closed) return;
      closed = true;
      await historyThread?.stop();
      await app.close();
      // Attempts in flight are cut short and stay pending: a restart sends them again.
      await deliveries.stop();
      await worker.stop();
      store.close();
    },
  };
}

/** Starts the backend listening; resolves once it accepts connections. */
export async function startBackend(opts: BackendOptions): Promise<Backend> {
  const backend = await createBackend(opts);
  const host = opts.host ?? '127.0.0.1';
  try {
    await backend.app.listen({ host, port: opts.port ?? 7080 });
  } catch (err) {
    // E.g. the port is taken: free the data directory for a retry in this process.
    await backend.close();
    throw err;
  }
  const address = backend.app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { ...backend, url: `${opts.tls ? 'https' : 'http'}://${shownHost}:${port}` };
}

/**
 * From this many lines on, the history is filled by a thread of its own: below, it takes a second or
 * two here, and a thread would cost more memory (~20 MB) than it saves.
 */
const HISTORY_THREAD_LINES = 10_000;

/**
 * The history thread's heap. It holds one slice at a time (a few hundred lines and their days, ~10 MB
 * at most) but makes ~100 MB of short-lived garbage a second, and with V8's default young generation
 * (semi-spaces up to 16 MB) the thread cost the backend ~85 MB of RSS; with 4 MB, ~40 MB, for the same
 * CPU time (measured on 20,000 lines). The old generation's cap is a safety net: past it the thread ends
 * with ERR_WORKER_OUT_OF_MEMORY and the main thread fills the rest of the history in slices.
 */
const HISTORY_THREAD_HEAP = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 48 };

/**
 * Runs the history backfill in a thread of its own when the backend runs built (dist/history-thread.js
 * beside this module); from the TypeScript sources (tests) there is no such file and the worker runs it
 * in slices on this thread. When the thread ends (done, or failed) the work is this thread's again:
 * whatever is left (a report asking for older history) runs in slices here.
 */
function startHistoryThread(
  dataDir: string,
  store: Store,
  history: HistoryBackfill,
  kick: () => void,
): { stop(): Promise<void> } | undefined {
  const file = new URL('./history-thread.js', import.meta.url);
  if (file.protocol !== 'file:' || !fs.existsSync(fileURLToPath(file))) return undefined;
  const thread = new Worker(file, {
    workerData: { dataDir, writers: store.shareWriters() },
    resourceLimits: HISTORY_THREAD_HEAP,
  });
  history.runElsewhere();
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    thread.once('exit', () => {
      exited = true;
      history.runHere();
      kick();
      resolve();
    }),
  );
  thread.on('error', (err) => {
    process.stderr.write(
      // What a thread throws reaches here cloned: an error may come as a plain object, so inspect it.
      `vm backend: the history thread failed (${err instanceof Error && err.stack ? err.stack : inspect(err)}); filling history here\n`,
    );
  });
  return {
    async stop() {
      if (exited) return;
      thread.postMessage('stop');
      // It stops after the slice in progress (one transaction); past 5 s it is ended as it stands,
      // which a transaction survives too.
      const timer = setTimeout(() => void thread.terminate(), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * A sender made when the first batch is to be sent: a backend without webhooks never starts the sending
 * thread (a thread costs ~15 MB of RSS; a 250-line backend went from 131 to 145 MB with it at start).
 */
function lazySender(make: () => DeliverySender): DeliverySender {
  let made: DeliverySender | undefined;
  return {
    sendInOrder(url, key, items, budgetMs) {
      made ??= make();
      return made.sendInOrder(url, key, items, budgetMs);
    },
    async close() {
      await made?.close();
    },
  };
}

/**
 * The webhook sender's thread (dist/webhook-thread.js beside this module, when the backend runs built):
 * a subscription's deliveries go one after another, each waiting for the event loop, which a bulk
 * operation's chunks would otherwise hold between every two. Without the file (the test runner), or once
 * the thread is gone, `fallback` sends on this thread. Its heap is small: it holds a few batches.
 */
function startWebhookThread(allowPrivate: boolean, fallback: DeliverySender): DeliverySender | undefined {
  const file = new URL('./webhook-thread.js', import.meta.url);
  if (file.protocol !== 'file:' || !fs.existsSync(fileURLToPath(file))) return undefined;
  const thread = new Worker(file, {
    workerData: { allowPrivate },
    resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 },
  });
  const waiting = new Map<number, (results: SendResult[]) => void>();
  let nextBatch = 0;
  let gone = false;
  thread.on('message', (m: { batch: number; results: SendResult[] }) => {
    waiting.get(m.batch)?.(m.results);
    waiting.delete(m.batch);
  });
  const exited = new Promise<void>((resolve) =>
    thread.once('exit', () => {
      gone = true;
      // What it had not answered stays pending: the queue sends it again (here) at its next look.
      for (const resolveBatch of waiting.values()) resolveBatch([]);
      waiting.clear();
      resolve();
    }),
  );
  thread.on('error', (err) => {
    process.stderr.write(
      `vm backend: the webhook thread failed (${err instanceof Error && err.stack ? err.stack : inspect(err)}); sending here\n`,
    );
  });
  return {
    sendInOrder(url: string, key: Uint8Array, items: readonly BatchItem[], budgetMs: number) {
      if (gone) return fallback.sendInOrder(url, key, items, budgetMs);
      return new Promise<SendResult[]>((resolve) => {
        const batch = ++nextBatch;
        waiting.set(batch, resolve);
        const message: SendBatch = {
          batch,
          url,
          key,
          items: items.map((i) => ({ msgId: i.msgId, body: i.body })),
          budgetMs,
        };
        thread.postMessage(message);
      });
    },
    async close() {
      if (!gone) {
        thread.postMessage('stop');
        const timer = setTimeout(() => void thread.terminate(), 5000);
        await exited;
        clearTimeout(timer);
      }
      await fallback.close();
    },
  };
}
