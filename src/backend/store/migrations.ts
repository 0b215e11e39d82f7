/**
 * Schema migrations, applied in order on start. Never edit a released migration: add a new one.
 * Money is integer kopecks; times are UTC ISO-8601 strings.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'foundation',
    sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE regions (code TEXT PRIMARY KEY, name TEXT NOT NULL, name_ru TEXT NOT NULL);
CREATE TABLE accounts (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, contract_no TEXT NOT NULL UNIQUE, region TEXT NOT NULL REFERENCES regions(code),
  balance INTEGER NOT NULL, credit_limit INTEGER NOT NULL, billing_day INTEGER NOT NULL
);
CREATE TABLE groups (id TEXT PRIMARY KEY, name TEXT NOT NULL, parent_id TEXT REFERENCES groups(id));
CREATE TABLE tariffs (
  code TEXT PRIMARY KEY, name TEXT NOT NULL, monthly_fee INTEGER NOT NULL, minutes INTEGER NOT NULL,
  sms INTEGER NOT NULL, data_mb INTEGER NOT NULL, regions TEXT NOT NULL, description TEXT NOT NULL
);
CREATE TABLE services (
  code TEXT PRIMARY KEY, name TEXT NOT NULL, monthly_fee INTEGER NOT NULL, connect_fee INTEGER NOT NULL,
  incompatible_with TEXT NOT NULL, description TEXT NOT NULL
);
CREATE TABLE numbers (
  msisdn TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id), region TEXT NOT NULL,
  group_id TEXT NOT NULL REFERENCES groups(id), employee TEXT NOT NULL, tariff TEXT NOT NULL REFERENCES tariffs(code),
  status TEXT NOT NULL, block_reason TEXT, blocked_since TEXT, iccid TEXT NOT NULL UNIQUE, activated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX numbers_group ON numbers(group_id, msisdn);
CREATE INDEX numbers_account ON numbers(account_id, msisdn);
CREATE TABLE number_services (
  msisdn TEXT NOT NULL REFERENCES numbers(msisdn), service TEXT NOT NULL REFERENCES services(code), added_at TEXT NOT NULL,
  PRIMARY KEY (msisdn, service)
) WITHOUT ROWID;
CREATE TABLE users (
  id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE, phone TEXT UNIQUE, name TEXT NOT NULL,
  password_hash TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'active', failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until TEXT, must_change_password INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL
);
CREATE TABLE roles (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL, permissions TEXT NOT NULL);
CREATE TABLE user_roles (
  user_id INTEGER NOT NULL REFERENCES users(id), role_id INTEGER NOT NULL REFERENCES roles(id),
  group_id TEXT REFERENCES groups(id), UNIQUE (user_id, role_id, group_id)
);
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, user_id INTEGER NOT NULL REFERENCES users(id),
  ip TEXT NOT NULL, client TEXT NOT NULL, created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL,
  ended_at TEXT, end_reason TEXT
);
CREATE TABLE logins (
  id INTEGER PRIMARY KEY, time TEXT NOT NULL, login TEXT NOT NULL, user_id INTEGER REFERENCES users(id),
  session_id INTEGER REFERENCES sessions(id), ip TEXT NOT NULL, client TEXT NOT NULL, success INTEGER NOT NULL, reason TEXT
);
CREATE INDEX logins_user ON logins(user_id, id);
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
  scope TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT, last_used_at TEXT, revoked_at TEXT
);
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens(user_id, name) WHERE revoked_at IS NULL;
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY, time TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL,
  user_id INTEGER REFERENCES users(id), text TEXT NOT NULL
);
CREATE TABLE audit (
  id INTEGER PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL, actor_type TEXT NOT NULL, action TEXT NOT NULL,
  target TEXT, params TEXT NOT NULL, result TEXT NOT NULL, ip TEXT NOT NULL, request_id TEXT NOT NULL
);
CREATE INDEX audit_time ON audit(time);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
`,
  },
  {
    version: 2,
    name: 'operations',
    sql: `
ALTER TABLE numbers ADD COLUMN changes INTEGER NOT NULL DEFAULT 0;
CREATE TABLE tariff_changes (
  msisdn TEXT NOT NULL, month TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (msisdn, month)
) WITHOUT ROWID;
CREATE TABLE operations (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, params TEXT NOT NULL, state TEXT NOT NULL,
  created_by INTEGER NOT NULL REFERENCES users(id), actor TEXT NOT NULL, scope TEXT,
  idempotency_key TEXT, body_hash TEXT NOT NULL, scheduled_at TEXT, created_at TEXT NOT NULL,
  started_at TEXT, finished_at TEXT, total INTEGER NOT NULL, succeeded INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0, cancelled INTEGER NOT NULL DEFAULT 0,
  monthly_delta INTEGER NOT NULL DEFAULT 0, fees INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0, rollback_of TEXT, parent_id TEXT, ip TEXT NOT NULL, request_id TEXT NOT NULL
);
CREATE UNIQUE INDEX operations_idempotency ON operations(created_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX operations_state ON operations(state, scheduled_at);
CREATE TABLE operation_items (
  operation_id TEXT NOT NULL REFERENCES operations(id), seq INTEGER NOT NULL, target TEXT NOT NULL, params TEXT,
  state TEXT NOT NULL, code TEXT, detail TEXT, before TEXT, after TEXT, monthly_delta INTEGER, fee INTEGER, finished_at TEXT,
  PRIMARY KEY (operation_id, seq)
) WITHOUT ROWID;
CREATE INDEX operation_items_state ON operation_items(operation_id, state, seq);
`,
  },
  {
    version: 3,
    name: 'locator',
    sql: `
CREATE TABLE consents (
  msisdn TEXT PRIMARY KEY, state TEXT NOT NULL, requested_at TEXT, granted_at TEXT, revoked_at TEXT
) WITHOUT ROWID;
`,
  },
  {
    version: 4,
    name: 'appeals',
    sql: `
CREATE TABLE appeals (
  id TEXT PRIMARY KEY, created_by INTEGER NOT NULL REFERENCES users(id), author TEXT NOT NULL, type TEXT NOT NULL,
  subject TEXT NOT NULL, number TEXT, status TEXT NOT NULL, created_at TEXT NOT NULL, status_at TEXT NOT NULL
);
CREATE TABLE appeal_events (
  id INTEGER PRIMARY KEY, appeal_id TEXT NOT NULL REFERENCES appeals(id), time TEXT NOT NULL, kind TEXT NOT NULL,
  author TEXT NOT NULL, text TEXT
);
CREATE TABLE appeal_attachments (
  appeal_id TEXT NOT NULL REFERENCES appeals(id), name TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
  PRIMARY KEY (appeal_id, name)
);
`,
  },
  {
    version: 5,
    name: 'payments',
    sql: `
CREATE TABLE payments (
  id INTEGER PRIMARY KEY, time TEXT NOT NULL, account_id TEXT NOT NULL REFERENCES accounts(id),
  from_account_id TEXT REFERENCES accounts(id), amount INTEGER NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL,
  idempotency_key TEXT, created_by INTEGER
);
CREATE UNIQUE INDEX payments_idempotency ON payments(created_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
`,
  },
  {
    version: 6,
    name: 'autopay',
    sql: `
CREATE TABLE autopay (
  account_id TEXT PRIMARY KEY REFERENCES accounts(id), below INTEGER NOT NULL, amount INTEGER NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    version: 7,
    name: 'billing',
    sql: `
ALTER TABLE tariffs ADD COLUMN roaming_included INTEGER NOT NULL DEFAULT 0;
UPDATE tariffs SET roaming_included = 1 WHERE code = 'ROAMING_PRO';
CREATE TABLE usage_days (
  msisdn TEXT NOT NULL, day TEXT NOT NULL, account_id TEXT NOT NULL, tariff TEXT NOT NULL,
  used_minutes INTEGER NOT NULL, used_sms INTEGER NOT NULL, used_mb INTEGER NOT NULL,
  end_minutes INTEGER NOT NULL, end_sms INTEGER NOT NULL, end_mb INTEGER NOT NULL,
  records INTEGER NOT NULL, minutes INTEGER NOT NULL, calls INTEGER NOT NULL, sms INTEGER NOT NULL,
  data_mb INTEGER NOT NULL, bytes INTEGER NOT NULL, roaming_minutes INTEGER NOT NULL, roaming_mb INTEGER NOT NULL,
  cost INTEGER NOT NULL, materialized INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (msisdn, day)
) WITHOUT ROWID;
CREATE TABLE cdr (
  msisdn TEXT NOT NULL, started_at TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, direction TEXT,
  peer TEXT NOT NULL, peer_name TEXT, location TEXT NOT NULL, seconds INTEGER NOT NULL, bytes INTEGER NOT NULL,
  cost INTEGER NOT NULL, PRIMARY KEY (msisdn, started_at, seq)
) WITHOUT ROWID;
CREATE TABLE charges (
  id INTEGER PRIMARY KEY, time TEXT NOT NULL, account_id TEXT NOT NULL REFERENCES accounts(id), msisdn TEXT,
  kind TEXT NOT NULL, ref TEXT NOT NULL, amount INTEGER NOT NULL, period_start TEXT NOT NULL,
  applied INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX charges_once ON charges(kind, ref, ifnull(msisdn, ''));
CREATE INDEX charges_account ON charges(account_id, period_start);
CREATE INDEX charges_number ON charges(msisdn, period_start);
CREATE TABLE limits (
  msisdn TEXT PRIMARY KEY, monthly INTEGER NOT NULL, action TEXT NOT NULL, set_at TEXT NOT NULL,
  set_by TEXT NOT NULL, created_by INTEGER NOT NULL REFERENCES users(id)
) WITHOUT ROWID;
CREATE TABLE limit_breaches (
  msisdn TEXT NOT NULL, period_start TEXT NOT NULL, time TEXT NOT NULL, monthly INTEGER NOT NULL,
  spent INTEGER NOT NULL, action TEXT NOT NULL, operation_id TEXT, PRIMARY KEY (msisdn, period_start)
) WITHOUT ROWID;
CREATE TABLE detail_requests (
  id TEXT PRIMARY KEY, created_by INTEGER NOT NULL REFERENCES users(id), actor TEXT NOT NULL,
  idempotency_key TEXT, body_hash TEXT NOT NULL, numbers TEXT NOT NULL, day_from TEXT NOT NULL, day_to TEXT NOT NULL,
  state TEXT NOT NULL, total INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0, records INTEGER NOT NULL DEFAULT 0,
  cost INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, finished_at TEXT
);
CREATE UNIQUE INDEX detail_requests_idempotency ON detail_requests(created_by, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
`,
  },
  {
    version: 8,
    name: 'group limits',
    sql: `
CREATE TABLE group_limits (
  group_id TEXT PRIMARY KEY REFERENCES groups(id), monthly INTEGER NOT NULL, action TEXT NOT NULL,
  set_at TEXT NOT NULL, set_by TEXT NOT NULL, created_by INTEGER NOT NULL REFERENCES users(id)
) WITHOUT ROWID;
`,
  },
  {
    version: 9,
    name: 'login failures per login',
    // Keyed by the login as typed (normalized), whether or not a user has it: a lockout then looks the
    // same for a login that exists and one that does not.
    sql: `
CREATE TABLE login_failures (
  login TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until TEXT
) WITHOUT ROWID;
INSERT INTO login_failures (login, failures, locked_until)
  SELECT lower(email), failed_logins, locked_until FROM users WHERE failed_logins > 0 OR locked_until IS NOT NULL;
`,
  },
  {
    version: 10,
    name: 'built-in roles, operation tokens',
    // The roles a company starts with are the operator's and never change; a data dir made before this
    // migration got them from the demo fixture under these names. An operation remembers the API token
    // it came through, so a scheduled run checks that token's scope and revocation too.
    sql: `
ALTER TABLE roles ADD COLUMN builtin INTEGER NOT NULL DEFAULT 0;
UPDATE roles SET builtin = 1 WHERE name IN ('Administrator', 'Sales manager', 'Viewer');
ALTER TABLE operations ADD COLUMN token_id INTEGER;
`,
  },
  {
    version: 11,
    name: 'money within range',
    // Before amounts had a maximum and bodies were coerced, a limit or an autopay rule could be stored as
    // 1e308 (a REAL no reader can print as kopecks). Such a value becomes the maximum, 10,000,000 RUB —
    // as good as "no limit", which is what it meant — and a fraction is rounded to whole kopecks.
    sql: `
UPDATE limits SET monthly = CASE WHEN monthly > 1000000000 THEN 1000000000 ELSE max(1, CAST(round(monthly) AS INTEGER)) END
  WHERE typeof(monthly) <> 'integer';
UPDATE group_limits SET monthly = CASE WHEN monthly > 1000000000 THEN 1000000000 ELSE max(1, CAST(round(monthly) AS INTEGER)) END
  WHERE typeof(monthly) <> 'integer';
UPDATE limit_breaches SET monthly = CASE WHEN monthly > 1000000000 THEN 1000000000 ELSE max(1, CAST(round(monthly) AS INTEGER)) END
  WHERE typeof(monthly) <> 'integer';
UPDATE autopay SET below = CASE WHEN below > 1000000000 THEN 1000000000 ELSE max(1, CAST(round(below) AS INTEGER)) END
  WHERE typeof(below) <> 'integer';
UPDATE autopay SET amount = CASE WHEN amount > 1000000000 THEN 1000000000 ELSE max(1, CAST(round(amount) AS INTEGER)) END
  WHERE typeof(amount) <> 'integer';
`,
  },
  {
    version: 12,
    name: 'uploads',
    // Attachment files arrive on their own, streamed to disk, before the appeal that names them.
    // IF NOT EXISTS: the money repair before it is re-run by its test, and this with it.
    sql: `
CREATE TABLE IF NOT EXISTS uploads (
  id TEXT PRIMARY KEY, created_by INTEGER NOT NULL REFERENCES users(id), name TEXT NOT NULL,
  sha256 TEXT NOT NULL, size INTEGER NOT NULL, created_at TEXT NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    version: 13,
    name: 'report jobs',
    // Reports over big scopes run in the background; the result is a file in the data dir's reports/.
    sql: `
CREATE TABLE IF NOT EXISTS report_jobs (
  id TEXT PRIMARY KEY, created_by INTEGER NOT NULL REFERENCES users(id), token_id INTEGER, actor TEXT NOT NULL,
  type TEXT NOT NULL, query TEXT NOT NULL, state TEXT NOT NULL, phase TEXT,
  done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0, rows INTEGER,
  error_code TEXT, error_message TEXT,
  created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, expires_at TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS report_jobs_by_user ON report_jobs (created_by, created_at);
CREATE INDEX IF NOT EXISTS report_jobs_by_state ON report_jobs (state, created_at);
`,
  },
  {
    version: 14,
    name: 'operation row values',
    // What the targets' per-row columns asked for, counted once at submission: an operation's view
    // shows it without reading its items (100,000 of them, on every poll of a waiting client). A table
    // of its own, not a column: IF NOT EXISTS keeps it safe to run again, as the money repair's test does.
    sql: `
CREATE TABLE IF NOT EXISTS operation_row_values (
  operation_id TEXT PRIMARY KEY REFERENCES operations(id), row_values TEXT NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    version: 15,
    name: 'events',
    // What happened, for vm events, the event stream and webhooks: written in the same transaction as
    // the change it tells of. group_id scopes an event about a number (the group it was in then);
    // user_id gives events about someone's own work (their operation, report, request) to them.
    // The built-in roles get the two new permissions: events:read where they read numbers already.
    sql: `
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY, time TEXT NOT NULL, type TEXT NOT NULL, subject_type TEXT NOT NULL,
  subject TEXT NOT NULL, group_id TEXT, user_id INTEGER, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_subject ON events (subject, id);
CREATE INDEX IF NOT EXISTS events_time ON events (time);
UPDATE roles SET permissions = json_insert(permissions, '$[#]', 'events:read', '$[#]', 'webhooks:admin')
  WHERE builtin = 1 AND name = 'Administrator' AND NOT EXISTS (SELECT 1 FROM json_each(permissions) WHERE value = 'events:read');
UPDATE roles SET permissions = json_insert(permissions, '$[#]', 'events:read')
  WHERE builtin = 1 AND name IN ('Sales manager', 'Viewer') AND NOT EXISTS (SELECT 1 FROM json_each(permissions) WHERE value = 'events:read');
`,
  },
  {
    version: 16,
    name: 'webhooks',
    // Webhook subscriptions and what they are sent. A delivery is one event for one subscription, queued in
    // the transaction that moves the dispatcher's cursor (meta webhooks.cursor), so a restart loses none and
    // queues none twice; its body is kept as sent (signed anew per attempt). msg_id is the webhook-id header;
    // attempts counts every attempt, tries those since it was queued (a redelivery queues it again).
    // after_event: events up to it are not the subscription's (it did not exist yet, or was paused).
    // The partial index is the sender's queue: a subscription's oldest pending delivery first.
    sql: `
CREATE TABLE IF NOT EXISTS webhooks (
  id TEXT PRIMARY KEY, url TEXT NOT NULL, description TEXT, events TEXT NOT NULL, secret TEXT NOT NULL,
  created_by INTEGER NOT NULL REFERENCES users(id), token_id INTEGER, state TEXT NOT NULL,
  paused_reason TEXT, paused_at TEXT, after_event INTEGER NOT NULL, created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  seq INTEGER PRIMARY KEY, msg_id TEXT NOT NULL UNIQUE, webhook_id TEXT NOT NULL, event_id INTEGER NOT NULL,
  event_type TEXT NOT NULL, group_id TEXT, user_id INTEGER, body TEXT NOT NULL, state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, tries INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT,
  created_at TEXT NOT NULL, finished_at TEXT
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_queue ON webhook_deliveries (webhook_id, seq) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, seq);
CREATE INDEX IF NOT EXISTS webhook_deliveries_finished ON webhook_deliveries (finished_at) WHERE finished_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS webhook_attempts (
  delivery_seq INTEGER NOT NULL, attempt INTEGER NOT NULL, time TEXT NOT NULL, status INTEGER,
  latency_ms INTEGER NOT NULL, error TEXT, PRIMARY KEY (delivery_seq, attempt)
) WITHOUT ROWID;
`,
  },
  {
    version: 17,
    name: 'usage alerts',
    // Alert rules live with the limits they extend (LimitsRepo): one row per target (a number or a group),
    // metric, period and threshold — setting the same again replaces it, so two rules never disagree. A
    // crossing is kept once per rule (or 'limit' for a limit's default 50/80/100%), number, period start
    // and threshold: a replayed billing chunk finds its row, a new period has a new start. Keys of the
    // alert requests (POST /v1/alerts, /v1/alerts/remove) make a resend answer as the first did.
    // (16 is the webhooks', made on another branch; versions need not be consecutive.)
    sql: `
CREATE TABLE IF NOT EXISTS alert_rules (
  id INTEGER PRIMARY KEY, target_kind TEXT NOT NULL, target TEXT NOT NULL,
  metric TEXT NOT NULL, period TEXT NOT NULL, of_limit INTEGER NOT NULL, threshold INTEGER NOT NULL,
  action TEXT NOT NULL, notify TEXT NOT NULL,
  set_at TEXT NOT NULL, set_by TEXT NOT NULL, created_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE UNIQUE INDEX IF NOT EXISTS alert_rules_one ON alert_rules (target_kind, target, metric, period, of_limit, threshold);
CREATE TABLE IF NOT EXISTS alert_crossings (
  msisdn TEXT NOT NULL, period_start TEXT NOT NULL, rule TEXT NOT NULL, threshold INTEGER NOT NULL,
  time TEXT NOT NULL, metric TEXT NOT NULL, amount INTEGER NOT NULL, value INTEGER NOT NULL,
  action TEXT NOT NULL, operation_id TEXT,
  PRIMARY KEY (msisdn, period_start, rule, threshold)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alert_crossings_period ON alert_crossings (period_start);
CREATE TABLE IF NOT EXISTS alert_requests (
  user_id INTEGER NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL, result TEXT NOT NULL,
  created_at TEXT NOT NULL, PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alert_requests_time ON alert_requests (created_at);
`,
  },
];
