import http from 'node:http';
import type { VmClient } from '../../src/client/client.js';
import type { RouteId } from '../../src/api/routes.js';
import { startTestBackend, rejection, type TestBackend, untyped } from '../integration/harness.js';

/** Characters that rewrite a terminal line or reorder text: C0 and C1 controls, DEL, bidi controls. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;
const NASTY: [string, string][] = [
  ['CR', 'Ivan\rPetrov'],
  ['LF', 'Ivan\nPetrov'],
  ['ESC', 'Ivan \u001b[31mPetrov'],
  ['U+202E', 'Ivan \u202evorteP'],
  ['U+2066', 'Ivan \u2066Petrov\u2069'],
  ['NUL', 'Ivan\u0000'],
  ['C1 CSI', 'Ivan \u009b31m'],
];

let b: TestBackend;
let admin: VmClient;
let msisdn: string;

beforeAll(async () => {
  b = await startTestBackend({ lines: 50 });
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
  msisdn = (await admin.call('numbers.list', { query: { limit: 1 } })).data[0]?.msisdn ?? '';
});
afterAll(async () => {
  await b.stop();
});

describe('single-line free text refuses control characters at the schema', () => {
  const calls: [string, RouteId, (text: string) => { params?: Record<string, string>; body: unknown }][] = [
    ['a user name', 'users.create', (t) => ({ body: { name: t, email: 'cc@demo.test' } })],
    ['a user e-mail', 'users.create', (t) => ({ body: { name: 'CC', email: `c${t}c@demo.test` } })],
    ['a new user name', 'users.update', (t) => ({ params: { id: 'viewer@demo.test' }, body: { name: t } })],
    ['a group name', 'groups.create', (t) => ({ body: { name: t } })],
    ['a group rename', 'groups.update', (t) => ({ params: { id: 'sales' }, body: { name: t } })],
    ['an appeal subject', 'appeals.create', (t) => ({ body: { type: 'question', subject: t, text: 'x' } })],
    ['a token name', 'tokens.create', (t) => ({ body: { name: t } })],
    ['a role name', 'roles.create', (t) => ({ body: { name: t, permissions: ['numbers:read'] } })],
    [
      'a role description',
      'roles.create',
      (t) => ({ body: { name: 'CC role', description: t, permissions: ['numbers:read'] } }),
    ],
    [
      'a login client name',
      'auth.login',
      (t) => ({ body: { login: 'x@demo.test', password: 'x', client: t } }),
    ],
  ];
  const cases = calls.flatMap(([what, id, input]) =>
    NASTY.map(([name, text]) => [what, name, id, input(text)] as const),
  );

  it.each(cases)('refuses %s with %s: 400 validation_failed', async (_what, _name, id, input) => {
    const err = await rejection(untyped(admin)(id, input));
    expect(err).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('accepts names in any script, with spaces, quotes and emoji', async () => {
    const group = await admin.call('groups.create', {
      body: { name: 'Отдел «Север» — 北 🚚', id: 'north-cc' },
    });
    expect(group.name).toBe('Отдел «Север» — 北 🚚');
  });
});

describe('multi-line text keeps line feeds and tabs, nothing else', () => {
  it('accepts an appeal text and a reply with LF and tab', async () => {
    const appeal = await admin.call('appeals.create', {
      body: { type: 'question', subject: 'Lines', text: 'line 1\n\tline 2\r\nline 3' },
    });
    expect(appeal.thread[0]?.text).toContain('line 1\n\tline 2');
    await expect(
      admin.call('appeals.reply', { params: { id: appeal.id }, body: { text: 'a\nb' } }),
    ).resolves.toBeDefined();
  });

  it.each(NASTY.filter(([name]) => name !== 'LF'))(
    'refuses %s (a CR only before LF) in an appeal text and a reply',
    async (_name, text) => {
      const err = await rejection(
        admin.call('appeals.create', { body: { type: 'question', subject: 'x', text } }),
      );
      expect(err).toMatchObject({ status: 400, code: 'validation_failed' });
      const appeal = (await admin.call('appeals.list')).data[0]?.id ?? '';
      const reply = await rejection(admin.call('appeals.reply', { params: { id: appeal }, body: { text } }));
      expect(reply).toMatchObject({ status: 400, code: 'validation_failed' });
    },
  );
});

describe('the outbox never carries control characters', () => {
  const outboxTexts = () => b.services.store.audit.outbox(undefined).map((n) => n.text);

  it('escapes them in notification text built from stored names', async () => {
    // A company name from an older import or a fixture: it never went through the API's schema.
    b.services.store.setMeta('company', 'Evil\u001b[2J\r\nCo \u202eevil\u2066 \u009b31m\u0007');
    await admin.call('users.create', {
      body: { name: 'Outbox', email: 'outbox@demo.test', phone: '+79990000077' },
    });
    await admin.call('consents.request', { params: { msisdn } });
    const texts = outboxTexts().slice(0, 3);
    expect(texts.join('\n')).toContain('Evil');
    for (const text of texts) expect(text).not.toMatch(CONTROL);
  });

  it('escapes them in the login SMS built from the client header', async () => {
    // The User-Agent is a header, not a schema field: latin1 bytes 0x80–0x9f are C1 controls.
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        `${b.url}/v1/auth/login`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'agent\u009b2J\u00e2\u0080\u00aeend' },
        },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ login: 'admin@demo.test', password: 'admin-demo-1' }));
    });
    const sms = outboxTexts()[0] ?? '';
    expect(sms).toContain('New login');
    expect(sms).toContain('agent');
    expect(sms).not.toMatch(CONTROL);
  });
});
