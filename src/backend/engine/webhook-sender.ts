import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { VERSION } from '../../api/version.js';
import { WEBHOOK_TIMEOUT_SECONDS } from '../../api/webhooks.js';
import { checkWebhookUrl, refusedAddress, type AddressKind } from '../../domain/webhook-address.js';
import { deliveryHeaders } from '../../domain/webhook-signature.js';

/** What one POST to a receiver came to. */
export interface SendResult {
  /** A 2xx answer. */
  ok: boolean;
  /** The answer's status; null when none came (refused, timed out, a refused address…). */
  status: number | null;
  latencyMs: number;
  error: string | null;
  /** The backend is stopping and cut the attempt short: it did not happen (not to be recorded). */
  aborted?: boolean;
}

/** Why a receiver's host cannot be used. */
export type HostRefusal =
  | { problem: 'unresolvable'; host: string }
  | { problem: 'address'; host: string; address: string; kind: AddressKind | 'not_loopback' };

/** Answers are read up to this much, then the connection is dropped: a receiver's words are not stored. */
const MAX_ANSWER_BYTES = 4096;

/** The user-agent of every delivery. */
export const WEBHOOK_USER_AGENT = `vm-webhooks/${VERSION} (vm mock operator backend)`;

/** Resolves a host name to all its addresses (dns.lookup with `all`; tests give their own). */
export type Resolver = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

const systemResolver: Resolver = (hostname, options, callback) => dns.lookup(hostname, options, callback);

class RefusedAddressError extends Error {
  readonly code = 'EWEBHOOKADDRESS';
}

/**
 * Sends webhook deliveries over node:http/https: no SQL here, no retries (the queue decides those). Every
 * connection's address is checked when it is made (a `lookup` that refuses what the rule refuses, so a
 * name that resolved to a public address at creation and to 10.0.0.1 now — DNS rebinding — is refused
 * now); an address written in the URL is checked before the request. Redirects are never followed (a
 * 3xx is a failed attempt); an answer is read up to 4 KB; each attempt has a 10 s deadline.
 */
export class WebhookSender {
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly inFlight = new Set<http.ClientRequest>();
  private closed = false;
  private readonly resolve: Resolver;

  constructor(
    private readonly opts: {
      /** --allow-private-webhooks: private, link-local… addresses are allowed (a lab, a private network). */
      allowPrivate: boolean;
      timeoutMs?: number;
      /** How host names are resolved (the system's resolver by default). */
      resolve?: Resolver;
    },
  ) {
    this.resolve = opts.resolve ?? systemResolver;
    // Kept-alive connections: a subscription's deliveries go one after another to the same receiver.
    const keep = { keepAlive: true, maxFreeSockets: 32, timeout: 30_000 };
    this.agents = { http: new http.Agent(keep), https: new https.Agent(keep) };
  }

  /**
   * The addresses a webhook URL's host resolves to, checked against the rule (every one must pass); why
   * not when one does not. An address in the URL is checked as it is.
   */
  async checkHost(url: URL): Promise<HostRefusal | undefined> {
    const form = checkWebhookUrl(url.href);
    if ('problem' in form) return { problem: 'unresolvable', host: url.hostname };
    let addresses: string[];
    if (form.ip) addresses = [form.host];
    else {
      try {
        addresses = await new Promise<string[]>((resolve, reject) =>
          this.resolve(form.host, { all: true, verbatim: true }, (err, found) =>
            err ? reject(err) : resolve(found.map((a) => a.address)),
          ),
        );
      } catch {
        return { problem: 'unresolvable', host: form.host };
      }
    }
    const refused = refusedAddress(addresses, {
      allowPrivate: this.opts.allowPrivate,
      http: url.protocol === 'http:',
    });
    return refused && { problem: 'address', host: form.host, ...refused };
  }

  /** POSTs `body` to `url` with `headers` (plus content-type and user-agent); never throws. */
  async send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const first = await this.attempt(url, headers, body);
    // A kept-alive connection the receiver closed meanwhile fails at once: that is no answer of its.
    if (first.retryFresh) return this.attempt(url, headers, body, true);
    return first;
  }

  /** Cuts every attempt in flight short (they report `aborted`) and closes kept-alive connections. */
  close(): void {
    this.closed = true;
    for (const req of this.inFlight) req.destroy(new Error('backend stopping'));
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private attempt(
    target: string,
    headers: Record<string, string>,
    body: string,
    fresh = false,
  ): Promise<SendResult & { retryFresh?: boolean }> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    const form = checkWebhookUrl(target);
    if ('problem' in form) return Promise.resolve(failed(null, latency(), `URL refused: ${form.problem}`));
    const plain = form.url.protocol === 'http:';
    if (form.ip) {
      const refused = refusedAddress([form.host], { allowPrivate: this.opts.allowPrivate, http: plain });
      if (refused)
        return Promise.resolve(
          failed(null, latency(), `address refused: ${refused.address} (${refused.kind})`),
        );
    }
    if (this.closed) return Promise.resolve({ ...failed(null, 0, 'backend stopping'), aborted: true });
    const payload = Buffer.from(body, 'utf8');
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: SendResult & { retryFresh?: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        this.inFlight.delete(req);
        resolve(this.closed ? { ...r, aborted: true } : r);
      };
      const req = (plain ? http : https).request(form.url, {
        method: 'POST',
        agent: fresh ? false : plain ? this.agents.http : this.agents.https,
        lookup: this.guardedLookup(plain),
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(payload.length),
          'user-agent': WEBHOOK_USER_AGENT,
        },
      });
      this.inFlight.add(req);
      const timeoutMs = this.opts.timeoutMs ?? WEBHOOK_TIMEOUT_SECONDS * 1000;
      const deadline = setTimeout(() => {
        req.destroy(new Error(`no answer in ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        const retryFresh = !fresh && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
        done({ ...failed(null, latency(), describe(err)), retryFresh });
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        let read = 0;
        const finish = () => {
          const ok = status >= 200 && status < 300;
          let error: string | null = null;
          if (!ok)
            error =
              status >= 300 && status < 400
                ? `HTTP ${status} (redirects are not followed)`
                : `HTTP ${status}`;
          done({ ok, status, latencyMs: latency(), error });
        };
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          // More than a receiver needs to say: stop reading, and drop the connection with what is left.
          if (read > MAX_ANSWER_BYTES) {
            finish();
            res.destroy();
          }
        });
        res.on('end', finish);
        res.on('error', finish);
        res.on('aborted', finish);
      });
      req.end(payload);
    });
  }

  /** dns.lookup, refusing an address the rule refuses (the one a connection is about to be made to). */
  private guardedLookup(plain: boolean): LookupFunction {
    const allowPrivate = this.opts.allowPrivate;
    return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
      this.resolve(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return callback(err);
        if (addresses.length === 0)
          return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }));
        const refused = refusedAddress(
          addresses.map((a) => a.address),
          { allowPrivate, http: plain },
        );
        if (refused) {
          return callback(new RefusedAddressError(`address refused: ${refused.address} (${refused.kind})`));
        }
        if (options.all) return callback(null, addresses);
        const first = addresses[0] as dns.LookupAddress;
        return callback(null, first.address, first.family);
      });
    }) as LookupFunction;
  }
}

function failed(status: number | null, latencyMs: number, error: string): SendResult {
  return { ok: false, status, latencyMs, error };
}

/** A short reason for a failed connection: its code and what it means. */
function describe(err: NodeJS.ErrnoException): string {
  if (err instanceof RefusedAddressError) return err.message;
  if (err.code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `host not found (${err.code})`;
  if (err.code) return `${err.message} (${err.code})`.slice(0, 300);
  return err.message.slice(0, 300);
}

/** Unix seconds by this machine's clock: a delivery's webhook-timestamp, which receivers check theirs against. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** One delivery of a batch: its webhook-id and its body; it is signed as it is sent. */
export interface BatchItem {
  msgId: string;
  body: string;
}

/**
 * Sends a subscription's deliveries in order, one at a time (each signed with the time it goes out),
 * and stops at the first that fails or once `budgetMs` has passed; returns what each attempted one came
 * to (a prefix of `items`).
 */
export async function sendInOrder(
  sender: WebhookSender,
  url: string,
  key: Uint8Array,
  items: readonly BatchItem[],
  budgetMs: number,
): Promise<SendResult[]> {
  const started = performance.now();
  const out: SendResult[] = [];
  for (const item of items) {
    const r = await sender.send(url, deliveryHeaders(key, item.msgId, unixNow(), item.body), item.body);
    out.push(r);
    if (!r.ok || r.aborted || performance.now() - started >= budgetMs) break;
  }
  return out;
}

/** Where the queue hands batches of deliveries: this thread's sender, or the thread of its own (server.ts). */
export interface DeliverySender {
  sendInOrder(
    url: string,
    key: Uint8Array,
    items: readonly BatchItem[],
    budgetMs: number,
  ): Promise<SendResult[]>;
  /** Cuts attempts in flight short (they come back `aborted`) and lets go of connections. */
  close(): Promise<void>;
}

/** Sends on this thread (the test runner, or when the sending thread is gone). */
export class InProcessDeliverySender implements DeliverySender {
  constructor(private readonly sender: WebhookSender) {}

  sendInOrder(
    url: string,
    key: Uint8Array,
    items: readonly BatchItem[],
    budgetMs: number,
  ): Promise<SendResult[]> {
    return sendInOrder(this.sender, url, key, items, budgetMs);
  }

  async close(): Promise<void> {
    this.sender.close();
  }
}
