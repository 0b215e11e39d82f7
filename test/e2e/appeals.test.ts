import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Appeal, AppealSummary } from '../../src/api/appeals.js';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { demo, loginAs, makeConfigHome, parseJson, removeTempDirs, runVm } from '../support/run-vm.js';

describe('appeals to the operator (vm appeal), worked by the backend clock', () => {
  let backend: BackendProcess;
  let token: string;
  let dir: string;
  const vm = (...args: string[]) => runVm(args, { server: backend.url, env: { VM_TOKEN: token } });
  const moveClock = (advanceSeconds: number) =>
    fetch(`${backend.url}/v1/test/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds }),
    });

  beforeAll(async () => {
    backend = await startBackendProcess({ clock: '2026-11-02T10:00:00Z', testMode: true });
    const config = makeConfigHome();
    await loginAs(backend.url, config, demo.admin.email, demo.admin.password);
    token = (
      await runVm(['tokens', 'create', '--name', 'appeals'], { server: backend.url, configHome: config })
    ).stdout.trim();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-appeal-'));
  });

  afterAll(async () => {
    await backend?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    removeTempDirs();
  });

  it('goes received → in_progress → answered (with the operator answer) → closed by the clock', async () => {
    // An appeal about a number names one of the company's (scoped like numbers; an unknown one is 404).
    const line = parseJson<{ msisdn: string }[]>(
      (await vm('numbers', 'list', '--limit', '1', '--json')).stdout,
    )[0];
    const spelled = `8 (${line?.msisdn.slice(2, 5)}) ${line?.msisdn.slice(5, 8)}-${line?.msisdn.slice(8, 10)}-${line?.msisdn.slice(10)}`;
    const created = await vm(
      'appeal',
      'create',
      '--type',
      'complaint',
      '--subject',
      'Нет связи на складе',
      '--text',
      'Since Monday',
      '--number',
      spelled,
      '--json',
    );
    expect(created.code).toBe(0);
    const appeal = parseJson<Appeal>(created.stdout);
    expect(appeal).toMatchObject({
      status: 'received',
      number: line?.msisdn,
      subject: 'Нет связи на складе',
    });
    const status = async () => parseJson<Appeal>((await vm('appeal', 'show', appeal.id, '--json')).stdout);
    await moveClock(59 * 60);
    expect((await status()).status).toBe('received');
    await moveClock(60);
    expect((await status()).status).toBe('in_progress');
    await moveClock(3 * 3600);
    const answered = await status();
    expect(answered.status).toBe('answered');
    expect(answered.thread.map((m) => m.author)).toEqual([`${demo.admin.email} (token appeals)`, 'operator']);
    expect((await vm('appeal', 'reply', appeal.id, '--text', 'Still broken')).stderr).toMatch(/in_progress/);
    await moveClock(3 * 3600);
    expect((await status()).status).toBe('answered');
    await moveClock(72 * 3600);
    const closed = await status();
    expect(closed.history.map((h) => h.status)).toEqual([
      'received',
      'in_progress',
      'answered',
      'in_progress',
      'answered',
      'closed',
    ]);
    expect((await vm('appeal', 'reply', appeal.id, '--text', 'again')).code).toBe(1);
    const list = parseJson<AppealSummary[]>(
      (await vm('appeal', 'list', '--status', 'closed', '--json')).stdout,
    );
    expect(list.map((a) => a.id)).toContain(appeal.id);
  });

  it('stores an attachment named ../../etc/passwd safely and gives it back byte for byte', async () => {
    const nested = path.join(dir, 'a', 'b');
    fs.mkdirSync(nested, { recursive: true });
    const evil = path.join(nested, 'passwd');
    fs.writeFileSync(evil, 'root:x:0:0\n');
    // The CLI sends the base name; the backend sanitizes whatever name it gets, so try the API directly too.
    const viaApi = await fetch(`${backend.url}/v1/appeals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'question',
        subject: 'x',
        text: 'y',
        attachments: [
          { name: '../../etc/passwd', contentBase64: Buffer.from('root:x:0:0\n').toString('base64') },
          { name: 'bad\u0007name\u0000.txt', contentBase64: '' },
        ],
      }),
    });
    const stored = (await viaApi.json()) as Appeal;
    expect(stored.attachments.map((a) => a.name)).toEqual(['passwd', 'badname.txt']);
    const files = fs.readdirSync(path.join(backend.dataDir, 'attachments'));
    expect(files.every((f) => /^[0-9a-f]{64}$/.test(f))).toBe(true);
    const out = path.join(dir, 'back.txt');
    expect((await vm('appeal', 'attachment', stored.id, 'passwd', '--output', out)).code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('root:x:0:0\n');
    const viaCli = await vm(
      'appeal',
      'create',
      '--type',
      'question',
      '--subject',
      's',
      '--text',
      't',
      '--attach',
      evil,
      '--json',
    );
    expect(parseJson<Appeal>(viaCli.stdout).attachments[0]?.name).toBe('passwd');
  });

  it('refuses an 11 MB file, and a sixth attachment, before sending anything', async () => {
    const before = parseJson<AppealSummary[]>((await vm('appeal', 'list', '--json')).stdout).length;
    const big = path.join(dir, 'big.bin');
    fs.writeFileSync(big, Buffer.alloc(11 * 1024 * 1024, 1));
    const tooBig = await vm(
      'appeal',
      'create',
      '--type',
      'complaint',
      '--subject',
      's',
      '--text',
      't',
      '--attach',
      big,
    );
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toMatch(
      /big\.bin is 11\.0 MB; attachments may be 10 MB at most\. Nothing was sent/,
    );
    const small = path.join(dir, 'small.txt');
    fs.writeFileSync(small, 'x');
    const six = await vm(
      'appeal',
      'create',
      '--type',
      'complaint',
      '--subject',
      's',
      '--text',
      't',
      '--attach',
      small,
      small,
      small,
      small,
      small,
      small,
    );
    expect(six.code).toBe(2);
    const missing = await vm(
      'appeal',
      'create',
      '--type',
      'complaint',
      '--subject',
      's',
      '--text',
      't',
      '--attach',
      path.join(dir, 'nope'),
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Cannot read .*nope/);
    expect(parseJson<AppealSummary[]>((await vm('appeal', 'list', '--json')).stdout)).toHaveLength(before);
  });
});
