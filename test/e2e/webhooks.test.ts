import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Line } from '../../src/api/lines.js';
import type { Webhook, WebhookDelivery } from '../../src/api/webhooks.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { demo, loginAs, makeConfigHome, parseJson, removeTempDirs, runVm } from '../support/run-vm.js';

/** A request as a receiver saves it: the header lines, a blank line, the body. */
interface Saved {
  type: string;
  text: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('vm webhooks against a real backend', () => {
  let backend: BackendProcess;
  let config: string;
  let dir: string;
  let server: http.Server;
  let url: string;
  const got: Saved[] = [];
  const vm = (args: string[], stdin?: string) =>
    runVm(args, { server: backend.url, configHome: config, stdin });

  beforeAll(async () => {
    backend = await startBackendProcess();
    config = makeConfigHome();
    await loginAs(backend.url, config, demo.admin.email, demo.admin.password);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-webhooks-'));
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const head = Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`);
        const text = `POST ${req.url} HTTP/1.1\r\n${head.join('\r\n')}\r\n\r\n${body}`;
        got.push({ type: (JSON.parse(body) as { type: string }).type, text, headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    await backend?.stop();
    removeTempDirs();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a webhook printing its secret once, delivers a bulk change, verifies and lists it', async () => {
    const created = await vm(['webhooks', 'create', '--url', url, '--events', 'operation.finished,line.*']);
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.stderr).toMatch(/shown this once/);

    const listed = await vm(['webhooks', 'list', '--json']);
    const [webhook] = parseJson<Webhook[]>(listed.stdout);
    expect(webhook).toMatchObject({ url, events: ['operation.finished', 'line.*'], state: 'active' });
    const shown = await vm(['webhooks', 'show', webhook!.id, '--json']);
    expect(shown.stdout).not.toContain(secret.slice(6));

    const numbers = parseJson<Line[]>(
      (await vm(['numbers', 'list', '--group', 'sales', '--status', 'active', '--limit', '3', '--json']))
        .stdout,
    ).map((l) => l.msisdn);
    expect((await vm(['block', ...numbers, '--reason', 'lost', '--yes'])).code).toBe(0);
    const deadline = Date.now() + 5000;
    while (!got.some((g) => g.type === 'operation.finished') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(got.map((g) => g.type).sort()).toEqual(
      ['operation.finished', ...numbers.flatMap(() => ['line.blocked', 'line.status_changed'])].sort(),
    );

    // The delivery as the receiver saved it verifies; with its body changed it does not.
    const finished = got.find((g) => g.type === 'operation.finished')!;
    const file = path.join(dir, 'delivery.http');
    fs.writeFileSync(file, finished.text);
    const ok = await vm(['webhooks', 'verify', '--secret-stdin', '--file', file], `${secret}\n`);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toBe(finished.body);
    expect(ok.stderr).toContain(`Valid signature: webhook-id ${String(finished.headers['webhook-id'])}`);

    const tampered = path.join(dir, 'tampered.http');
    fs.writeFileSync(tampered, finished.text.replace('"succeeded"', '"failed"'));
    const bad = await vm(['webhooks', 'verify', '--secret-stdin', '--file', tampered], secret);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^vm: Not verified: the signature does not match/);

    // The JSON form, the secret from the environment, the delivery on stdin; and a missing header.
    const asJson = path.join(dir, 'delivery.json');
    fs.writeFileSync(asJson, JSON.stringify({ headers: finished.headers, body: finished.body }));
    const env = await runVm(['webhooks', 'verify', '--file', asJson], {
      server: backend.url,
      configHome: config,
      env: { VM_WEBHOOK_SECRET: secret },
    });
    expect(env.code).toBe(0);
    const { 'webhook-timestamp': _, ...noStamp } = finished.headers;
    fs.writeFileSync(asJson, JSON.stringify({ headers: noStamp, body: finished.body }));
    const missing = await vm(['webhooks', 'verify', '--secret-stdin', '--file', asJson], secret);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('the webhook-timestamp header is missing');
    const ru = await vm(['--lang', 'ru', 'webhooks', 'verify', '--secret-stdin', '--file', tampered], secret);
    expect(ru.stderr).toMatch(/^vm: Подпись не подтверждена: подпись не совпадает/);

    // Every attempt, one a row (TSV when piped), and the deliveries whole in JSON.
    const tsv = await vm(['webhooks', 'deliveries', webhook!.id]);
    expect(tsv.code).toBe(0);
    const [header, ...rows] = tsv.stdout.trim().split('\n');
    expect(header).toBe(
      'time\tid\teventId\teventType\tattempt\tstatus\tlatencyMs\terror\tstate\tnextAttemptAt',
    );
    expect(rows).toHaveLength(got.length);
    for (const row of rows) expect(row.split('\t').slice(4, 6)).toEqual(['1', '204']);
    const json = parseJson<WebhookDelivery[]>(
      (await vm(['webhooks', 'deliveries', webhook!.id, '--json'])).stdout,
    );
    expect(json.map((d) => d.id).sort()).toEqual(got.map((g) => String(g.headers['webhook-id'])).sort());
    expect(json.every((d) => d.state === 'delivered' && d.attempts.length === 1)).toBe(true);
  });

  it('refuses a private address and a secret that is not one, before anything is stored', async () => {
    const priv = await vm(['webhooks', 'create', '--url', 'https://10.1.2.3/hook', '--events', '*']);
    expect(priv.code).toBe(1);
    expect(priv.stderr).toMatch(
      /10\.1\.2\.3, a private address: webhooks may not call into internal networks/,
    );
    const weak = await vm(
      ['webhooks', 'create', '--url', url, '--events', 'line.*', '--secret-stdin'],
      'whsec_c2hvcnQ=\n',
    );
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/24 to 64 bytes/);
    expect(parseJson<Webhook[]>((await vm(['webhooks', 'list', '--json'])).stdout)).toHaveLength(1);
  });
});
