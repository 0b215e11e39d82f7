import fs from 'node:fs';
import path from 'node:path';
import type { VmClient } from '../../src/client/client.js';
import { rejection, startTestBackend, type TestBackend } from './harness.js';

/**
 * An upload not attached in 24 hours is forgotten and its file deleted (unless an appeal or another
 * upload holds the same content), and a user keeps at most 50 not attached yet: an ordinary account
 * cannot fill the backend's disk with files it never attaches.
 */
let b: TestBackend;
let admin: VmClient;
const files = () => path.join(b.dataDir, 'attachments');
const stored = (sha: string) => fs.existsSync(path.join(files(), sha));
const upload = (name: string, text: string) =>
  admin.call('uploads.create', { query: { name }, file: Buffer.from(text) });
const sha256Of = (id: string) =>
  (b.db().prepare('SELECT sha256 FROM uploads WHERE id = ?').get(id) as { sha256: string } | undefined)
    ?.sha256;

beforeEach(async () => {
  b = await startTestBackend({ lines: 20 });
  admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
});
afterEach(async () => {
  await b.stop();
});

describe('uploads not attached', () => {
  it('are forgotten after 24 hours with their files; an attached one keeps its file', async () => {
    const kept = await upload('kept.txt', 'attached content');
    const lost = await upload('lost.txt', 'never attached');
    const shared = await upload('shared.txt', 'attached content'); // the same bytes as an attachment
    const keptSha = sha256Of(kept.id) ?? '';
    const lostSha = sha256Of(lost.id) ?? '';
    expect(stored(keptSha) && stored(lostSha)).toBe(true);
    const appeal = await admin.call('appeals.create', {
      body: { type: 'question', subject: 'SIM', text: 'see attached', attachments: [{ upload: kept.id }] },
    });

    b.advance(23 * 3600);
    await b.services.worker.idle();
    expect(stored(lostSha)).toBe(true); // still attachable

    b.advance(2 * 3600);
    await b.services.worker.idle();
    admin = await b.loginAs('admin@demo.test', 'admin-demo-1'); // the session has gone idle meanwhile
    expect(stored(lostSha)).toBe(false);
    expect(stored(keptSha)).toBe(true); // the appeal holds it
    expect(b.db().prepare('SELECT COUNT(*) AS n FROM uploads').get()).toEqual({ n: 0 });
    const late = await rejection(
      admin.call('appeals.create', {
        body: { type: 'question', subject: 'x', text: 'y', attachments: [{ upload: shared.id }] },
      }),
    );
    expect(late.details?.reason).toBe('upload_not_found');
    const shown = await admin.call('appeals.show', { params: { id: appeal.id } });
    expect(shown.attachments.map((a) => a.name)).toEqual(['kept.txt']);
  });

  it('are 50 at most per user (429 too_many_uploads), and make room again as they expire', async () => {
    for (let i = 0; i < 50; i++) await upload(`f${i}.txt`, `file ${i}`);
    const refused = await rejection(upload('one-more.txt', 'one more'));
    expect(refused).toMatchObject({ status: 429, details: { reason: 'too_many_uploads' } });
    b.advance(25 * 3600);
    await b.services.worker.idle();
    admin = await b.loginAs('admin@demo.test', 'admin-demo-1');
    await expect(upload('one-more.txt', 'one more')).resolves.toMatchObject({ name: 'one-more.txt' });
    // The 50 expired files are gone from the disk; the one sent since is there.
    expect(fs.readdirSync(files()).filter((f) => !f.endsWith('.tmp')).length).toBe(1);
  });
});
