import { PassThrough, Writable } from 'node:stream';

import type { IOStreams } from '../../src/cli/context.js';
import { HELP_TOPICS, helpTopic } from '../../src/cli/help-topics.js';
import type { Lang } from '../../src/cli/i18n/index.js';
import { run } from '../../src/cli/main.js';

const LANGS: Lang[] = ['en', 'ru'];

const VARIABLES = [
  'VM_SERVER',
  'VM_TOKEN',
  'VM_PROFILE',
  'VM_LANG',
  'VM_CA',
  'VM_MAX_RETRY_WAIT',
  'VM_RETRIES',
  'VM_TIMEOUT',
  'VM_CONNECT_TIMEOUT',
  'VM_DEBUG',
  'NO_COLOR',
  'TERM=dumb',
  'XDG_CONFIG_HOME',
  '$XDG_CONFIG_HOME/vm/config.json',
  '0600',
  'XDG_DATA_HOME',
  '$XDG_DATA_HOME/vm/backend',
  'LANG',
  'LC_ALL',
  'CI',
  'VM_RATE_LIMIT',
  'VM_FAULTS',
];

const CODES = ['0', '1', '2', '3', '4', '5', '130'];

describe('help topics', () => {
  it.each(LANGS)('has both topics in %s', (lang) => {
    for (const topic of HELP_TOPICS) expect(helpTopic(topic, lang).length).toBeGreaterThan(200);
    expect(helpTopic('environment', lang)).not.toBe(helpTopic('exit-codes', lang));
  });

  it('is written in the language asked for', () => {
    for (const topic of HELP_TOPICS) {
      expect(helpTopic(topic, 'ru')).toMatch(/[а-яё]/i);
      // English text may quote Russian header names (номер, тариф), but has no Russian prose.
      const english = helpTopic(topic, 'en').replace(/[а-яё]+(\s[а-яё]+)?(?=["/,)\s])/gi, (w) =>
        w.includes(' ') ? w : '',
      );
      expect(english).not.toMatch(/[а-яё]+\s[а-яё]+\s[а-яё]+/i);
    }
  });

  it('describes targets, CSV input and the change flow in both languages', () => {
    for (const lang of LANGS) {
      const text = helpTopic('targets', lang);
      for (const word of [
        '--file',
        '--column',
        '--skip-invalid',
        '--dry-run',
        '--yes',
        '--idempotency-key',
        '--at',
        'Windows-1251',
      ]) {
        expect(text).toContain(word);
      }
    }
  });

  it.each(LANGS)('names every variable vm reads, and the precedence, in %s', (lang) => {
    const text = helpTopic('environment', lang);
    for (const name of VARIABLES) expect(text).toContain(name);
    expect(text).toMatch(/\S+ > \S+ > \S+ > \S+/); // flags > environment > profile > defaults
  });

  it.each(LANGS)("describes the backend's rate limits and faults with their flags in %s", (lang) => {
    const text = helpTopic('environment', lang);
    for (const word of [
      '--rate-limit off',
      "'read=20/s:40,write=5/s:10,ip=100/s'",
      '429 rate_limited',
      'Retry-After',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      "--faults 'error=0.2,latency=20ms,drop=0.05,slow=0.01:5s'",
      '503 unavailable',
      'Idempotency-Key',
      '--faults-seed',
      '--log-level debug',
      '/v1/openapi.json',
      '/v1/status',
    ])
      expect(text).toContain(word);
  });

  it.each(LANGS)('puts --profile before VM_TOKEN, and VM_TOKEN before VM_PROFILE, in %s', (lang) => {
    const text = helpTopic('environment', lang);
    expect(text).toContain('--profile NAME > VM_TOKEN > VM_PROFILE >');
    expect(text).toContain('vm whoami');
    expect(text).not.toMatch(/VM_TOKEN beats the stored|VM_TOKEN важнее сохранённого/);
  });

  it.each(LANGS)(
    'describes the test clock: vm backend start --clock, --test-mode and POST /v1/test/clock, in %s',
    (lang) => {
      const text = helpTopic('environment', lang);
      for (const word of [
        '--clock 2026-11-02T10:00:00Z --test-mode',
        'POST /v1/test/clock',
        'GET /v1/test/clock',
        '{"now": "2026-11-03T08:00:00Z"}',
        '{"advanceSeconds": 3600}',
        '404',
        '409',
      ])
        expect(text).toContain(word);
    },
  );

  it.each(LANGS)('lists every exit code with an example in %s', (lang) => {
    const text = helpTopic('exit-codes', lang);
    for (const code of CODES) expect(text).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    expect(text).toContain('vm login');
  });
});

class Collector extends Writable {
  text = '';
  override _write(chunk: unknown, _enc: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

async function vm(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Collector();
  const stderr = new Collector();
  const io: IOStreams = {
    stdin: new PassThrough(),
    stdout,
    stderr,
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
  };
  const code = await run(argv, io, {});
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('vm help', () => {
  it('prints a topic on stdout in the chosen language', async () => {
    const en = await vm('help', 'environment');
    expect(en).toMatchObject({ code: 0, stderr: '' });
    expect(en.stdout).toBe(helpTopic('environment', 'en'));
    const ru = await vm('--lang', 'ru', 'help', 'exit-codes');
    expect(ru.stdout).toBe(helpTopic('exit-codes', 'ru'));
  });

  it('prints the help of a command named by its words', async () => {
    const r = await vm('help', 'numbers', 'list');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: vm numbers list');
    expect(r.stdout).toContain('--status');
  });

  it('prints the root help with no topic', async () => {
    const r = await vm('help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: vm');
    expect(r.stdout).toContain('numbers');
  });

  it('exits 2 for an unknown topic and names the topics', async () => {
    const r = await vm('help', 'numbers', 'lsit');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('"numbers lsit"');
    expect(r.stderr).toContain('environment, exit-codes');
  });
});
