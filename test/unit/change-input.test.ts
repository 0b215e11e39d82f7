import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Service, Tariff } from '../../src/api/lines.js';
import type { PlanItem, PlanSummary } from '../../src/api/operations.js';
import { runCommand, StubClient } from '../support/cli-harness.js';

/**
 * What a change makes of the rows it is given, before anything is sent: numbers given twice (the same
 * values: sent once and said; other values: an input error naming both lines) and catalog codes (checked
 * against the backend's catalog, with a suggestion for a near miss).
 */

const A = '+79161234567';
const B = '+79161234568';
const C = '+79161234569';

const tariffs = [
  { code: 'VOICE_ECO', name: 'Voice Economy' },
  { code: 'SMART', name: 'Smart' },
  { code: 'SMART_PLUS', name: 'Smart Plus' },
  { code: 'UNLIM', name: 'Unlimited' },
] as Tariff[];
const services = [
  { code: 'ROAM_EU', name: 'Roaming Europe' },
  { code: 'VOICEMAIL', name: 'Voicemail' },
] as Service[];

let stub: StubClient;
let dir: string;
beforeEach(() => {
  stub = new StubClient();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-change-input-'));
});
afterEach(() => {
  expect(stub.unused()).toEqual([]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes staff.csv (line 1 is the header) and returns its path. */
function staff(...lines: string[]): string {
  const file = path.join(dir, 'staff.csv');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A plan that applies to every target, as the backend streams it. */
function planOf(call: { body?: unknown }): string {
  const body = call.body as { type: string; params: object; targets: { msisdn: string }[] };
  const items: PlanItem[] = body.targets.map((t) => ({
    msisdn: t.msisdn,
    employee: null,
    outcome: 'apply',
    code: null,
    detail: null,
    before: {},
    after: {},
    monthlyDelta: 0,
    fee: 0,
  }));
  const summary: PlanSummary = {
    type: body.type as PlanSummary['type'],
    params: body.params as Record<string, unknown>,
    total: items.length,
    apply: items.length,
    skip: 0,
    fail: 0,
    monthlyDelta: 0,
    fees: 0,
  };
  return [...items, { summary }].map((l) => `${JSON.stringify(l)}\n`).join('');
}

describe('a number given more than once', () => {
  it('refuses a number whose rows ask for different tariffs, naming both lines: exit 2, nothing sent', async () => {
    stub.on('tariffs.list', tariffs);
    const file = staff('number;tariff', `${A};SMART`, `${B};SMART`, `8 916 123-45-67;SMART_PLUS`);
    const r = await runCommand(stub, ['tariff', 'set', 'SMART', '--file', file, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('1 rows are not valid; nothing was sent');
    expect(r.stderr).toContain(
      `${file}:4: ${A} is also on ${file}:2, with other values (here: tariff SMART_PLUS); give each number once`,
    );
    expect(stub.calls.map((c) => c.route)).toEqual(['tariffs.list']);
  });

  it('refuses a row without a value that repeats a number given one, and says so in Russian', async () => {
    const file = staff('number;reason', `${A};lost`, `${B};`, `${A};`);
    const r = await runCommand(stub, [
      'block',
      '--reason',
      'vacation',
      '--file',
      file,
      '--yes',
      '--lang',
      'ru',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${file}:4: ${A} есть и в ${file}:2, с другими значениями (здесь: значения команды); укажите каждый номер один раз`,
    );
    expect(stub.calls).toEqual([]);
  });

  it('sends a number repeated with the same values once and names its lines, the command value counting as the row value', async () => {
    stub.on('tariffs.list', tariffs).on('operations.plan', planOf);
    const file = staff(
      'number;tariff',
      `${A};SMART`,
      `${B};UNLIM`,
      `${A};`,
      `${C};smart`,
      `${B};unlim`,
      `${A};smart`,
    );
    const r = await runCommand(stub, ['tariff', 'set', 'SMART', C, '--file', file, '--dry-run']);
    expect(r.code).toBe(0);
    const [plan] = stub.callsTo('operations.plan');
    expect((plan?.body as { targets: unknown[] }).targets).toEqual([
      { msisdn: C },
      { msisdn: A, params: { tariff: 'SMART' } },
      { msisdn: B, params: { tariff: 'UNLIM' } },
    ]);
    expect(r.stderr).toContain(
      `3 numbers were given more than once (sent once): ${file}:2, ${file}:4 and ${file}:7; argv:1 and ${file}:5; ${file}:3 and ${file}:6.`,
    );
  });

  it('with --skip-invalid sends neither row of a conflicting number, and the others', async () => {
    stub.on('tariffs.list', tariffs).on('operations.plan', planOf);
    const file = staff('number;tariff', `${A};SMART`, `${B};SMART`, `${A};UNLIM`);
    const r = await runCommand(stub, [
      'tariff',
      'set',
      'SMART',
      '--file',
      file,
      '--dry-run',
      '--skip-invalid',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${file}:4: ${A} is also on ${file}:2`);
    expect((stub.callsTo('operations.plan')[0]?.body as { targets: unknown[] }).targets).toEqual([
      { msisdn: B, params: { tariff: 'SMART' } },
    ]);
  });

  it('names stdin as stdin, not the copy vm reads twice', async () => {
    stub.on('tariffs.list', tariffs);
    const r = await runCommand(stub, ['tariff', 'set', 'SMART', '--file', '-', '--yes'], {
      stdin: `number;tariff\n${A};SMART\n${A};UNLIM\n`,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`stdin:3: ${A} is also on stdin:2`);
  });
});

describe('per-row times', () => {
  it('lists a row whose time cannot be read with the others, before anything is sent', async () => {
    const file = staff('number;at', `${A};2099-01-01 09:00`, `${B};soon`, `${C};`);
    const r = await runCommand(stub, ['unblock', '--file', file, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('1 rows are not valid; nothing was sent');
    expect(r.stderr).toContain(`${file}:3: Cannot read time "soon"`);
    expect(stub.calls).toEqual([]);
  });

  it('reads rows with the same moment spelled two ways as one time, and relative times from one moment', async () => {
    // Relative times count from the backend's clock, asked once.
    stub.once('status.show', { now: '2026-11-02T10:00:00.000Z' }).on('operations.plan', planOf);
    const file = staff(
      'number;at',
      `${A};2099-01-01T09:00:00Z`,
      `${B};+2h`,
      `${A};2099-01-01 09:00Z`,
      `${C};+2h`,
    );
    const r = await runCommand(stub, ['unblock', '--file', file, '--dry-run']);
    expect(r.code).toBe(0);
    const plans = stub
      .callsTo('operations.plan')
      .map((c) => c.body as { scheduledAt: string; targets: unknown[] });
    expect(plans.map((p) => p.targets.length).sort()).toEqual([1, 2]);
    expect(plans.map((p) => p.scheduledAt).sort()).toEqual([
      '2026-11-02T12:00:00.000Z',
      '2099-01-01T09:00:00.000Z',
    ]);
    expect(r.stderr).toContain(`One number was given more than once (sent once): ${file}:2 and ${file}:4.`);
  });
});

describe('catalog codes', () => {
  it('catches unknown per-row tariffs before anything is sent, with the file, the line and a close code', async () => {
    stub.on('tariffs.list', tariffs);
    const file = staff(
      'number;tariff',
      `${A};СМАРТ`,
      `${B};smart plus`,
      `${C};nonsense`,
      `89161234570;smart`,
    );
    const r = await runCommand(stub, ['tariff', 'set', 'SMART', '--file', file, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('3 rows are not valid; nothing was sent');
    expect(r.stderr).toContain(`${file}:2: tariff "СМАРТ" is not in the catalog; did you mean SMART?`);
    expect(r.stderr).toContain(
      `${file}:3: tariff "smart plus" is not in the catalog; did you mean SMART_PLUS?`,
    );
    expect(r.stderr).toContain(`${file}:4: tariff "nonsense" is not in the catalog (vm tariffs list)`);
    expect(r.stderr).not.toContain(':5:');
    expect(stub.calls.map((c) => c.route)).toEqual(['tariffs.list']);
  });

  it("refuses the command's own unknown tariff with a suggestion (exit 2), in English and Russian", async () => {
    stub.on('tariffs.list', tariffs);
    const mixed = 'S\u041c\u0410RT'; // a Cyrillic М and А, from a Russian keyboard layout
    const en = await runCommand(stub, ['tariff', 'set', mixed, A, '--yes']);
    expect(en).toMatchObject({ code: 2, stdout: '' });
    expect(en.stderr).toBe(`vm: tariff "${mixed}" is not in the catalog; did you mean SMART?\n`);
    const ru = await runCommand(stub, ['tariff', 'set', 'Безлимит', A, '--yes', '--lang', 'ru']);
    expect(ru.code).toBe(2);
    expect(ru.stderr).toBe('vm: тарифа «Безлимит» нет в каталоге (vm tariffs list)\n');
    expect(stub.calls.map((c) => c.route)).toEqual(['tariffs.list', 'tariffs.list']);
  });

  it('asks for the catalog once, and sends codes as the catalog spells them', async () => {
    stub.on('tariffs.list', tariffs).on('operations.plan', planOf);
    const file = staff('number;tariff', `${A};unlim`, `${B};Smart_Plus`);
    const r = await runCommand(stub, ['tariff', 'set', 'smart', '--file', file, '--dry-run']);
    expect(r.code).toBe(0);
    expect(stub.calls.map((c) => c.route)).toEqual(['tariffs.list', 'operations.plan']);
    expect(stub.callsTo('operations.plan')[0]?.body).toEqual({
      type: 'tariff.change',
      params: { tariff: 'SMART' },
      targets: [
        { msisdn: A, params: { tariff: 'UNLIM' } },
        { msisdn: B, params: { tariff: 'SMART_PLUS' } },
      ],
    });
  });

  it('checks per-row services the same way', async () => {
    stub.on('services.list', services);
    const file = staff('number;service', `${A};roam-eu`, `${B};VOICEMAIL`);
    const r = await runCommand(stub, ['services', 'add', 'VOICEMAIL', '--file', file, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:2: service "roam-eu" is not in the catalog; did you mean ROAM_EU?`);
    expect(stub.calls.map((c) => c.route)).toEqual(['services.list']);
  });
});
