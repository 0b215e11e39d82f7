import type { Clock } from '../../domain/clock.js';
import type { AlertsService } from '../engine/alerts-service.js';
import type { AppealsService } from '../engine/appeals-service.js';
import type { AuditService } from '../engine/audit-service.js';
import type { AuthService } from '../engine/auth-service.js';
import type { EventsService } from '../engine/events.js';
import type { WebhooksService } from '../engine/webhooks.js';
import type { BillingService } from '../engine/billing-service.js';
import type { DetailService } from '../engine/detail-service.js';
import type { ReportsService } from '../engine/reports-service.js';
import type { ReportJobs } from '../engine/report-jobs.js';
import type { HistoryBackfill } from '../engine/history.js';
import type { Principal } from '../engine/authz.js';
import type { GroupsService } from '../engine/groups-service.js';
import type { LinesService } from '../engine/lines-service.js';
import type { LocatorService } from '../engine/locator-service.js';
import type { OperationsService } from '../engine/operations-service.js';
import type { PaymentsService } from '../engine/payments-service.js';
import type { OperationWorker } from '../engine/worker.js';
import type { UsersService } from '../engine/users-service.js';
import type { Store } from '../store/store.js';

/** What route plugins get: the engine's services. Routes never touch SQL. */
export interface BackendServices {
  store: Store;
  clock: Clock;
  auth: AuthService;
  audit: AuditService;
  events: EventsService;
  webhooks: WebhooksService;
  users: UsersService;
  groups: GroupsService;
  locator: LocatorService;
  appeals: AppealsService;
  payments: PaymentsService;
  billing: BillingService;
  alerts: AlertsService;
  detail: DetailService;
  reports: ReportsService;
  reportJobs: ReportJobs;
  history: HistoryBackfill;
  lines: LinesService;
  operations: OperationsService;
  worker: OperationWorker;
  testMode: boolean;
  /** Sets the manual clock (test mode only). */
  setClock?: (now: Date) => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Set once a denial has been written to the audit log. */
    denialAudited?: boolean;
  }
  interface FastifyContextConfig {
    routeId?: string;
    access?: string;
    /** False on routes the rate limits leave alone (the OpenAPI document, test-only routes). */
    limits?: boolean;
    /** True on routes that may be given injected faults (not the document, the status, test-only routes). */
    faults?: boolean;
  }
}
