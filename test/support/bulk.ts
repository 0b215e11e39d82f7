import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Line, Service, Tariff } from '../../src/api/lines.js';
import type { BackendProcess } from './backend-process.js';
import { demo, loginAs, makeConfigHome, parseJson, runVm, type RunVmResult } from './run-vm.js';

/** Variables of the test runner that would change how vm behaves (as in run-vm.ts). */

/** Runs vm against one backend as one user (a logged-in config home, or an API token). */
export type Vm = (...args: string[]) => Promise<RunVmResult>;

/** A `Vm` for a config home that is logged in (or empty), optionally with `VM_TOKEN`. */
export function vmFor(server: string, configHome: string, token?: string, timeoutMs?: number): Vm {
  return (...args) => runVm(args, { server, configHome, env: token ? { VM_TOKEN: token } : {}, timeoutMs });
}

/** Logs the demo admin in (fresh config home) and returns a `Vm` for that session. */
export async function adminVm(backend: BackendProcess, timeoutMs?: number): Promise<Vm> {
  const home = makeConfigHome();
  await loginAs(backend.url, home, demo.admin.email, demo.admin.password);
  return vmFor(backend.url, home, undefined, timeoutMs);
}

/** Creates an API token with `vm` (logged in) and returns it; throws with stderr when that fails. */
export async function createToken(vm: Vm, name: string): Promise<string> {
  const r = await vm('tokens', 'create', '--name', name);
  if (r.code !== 0) throw new Error(`vm tokens create failed with exit ${r.code}: ${r.stderr}`);
  const token = r.stdout.trim();
  if (!/^vmt_\S+$/.test(token)) throw new Error(`not a token: ${r.stdout}`);
  return token;
}

/** Fails with vm's output unless it exited with `code`; returns the result for chaining. */
export function expectExit(r: RunVmResult, code: number, what = 'vm'): RunVmResult {
  if (r.code !== code) {
    throw new Error(
      `${what}: expected exit ${code}, got ${r.code}\nstdout:\n${r.stdout.slice(0, 3000)}\nstderr:\n${r.stderr.slice(0, 3000)}`,
    );
  }
  return r;
}

/** `vm <args> --json`, expecting exit 0, parsed. */
export async function vmJson<T>(vm: Vm, ...args: string[]): Promise<T> {
  const r = expectExit(await vm(...args, '--json'), 0, `vm ${args.join(' ')} --json`);
  return parseJson<T>(r.stdout);
}

/** Every line the user sees, by msisdn. */
export async function linesByMsisdn(vm: Vm, ...filter: string[]): Promise<Map<string, Line>> {
  const lines = await vmJson<Line[]>(vm, 'numbers', 'list', ...filter);
  return new Map(lines.map((l) => [l.msisdn, l]));
}

/** The catalog as the CLI lists it. */
export async function catalog(
  vm: Vm,
): Promise<{ tariffs: Map<string, Tariff>; services: Map<string, Service> }> {
  const [tariffs, services] = await Promise.all([
    vmJson<Tariff[]>(vm, 'tariffs', 'list'),
    vmJson<Service[]>(vm, 'services', 'list'),
  ]);
  return {
    tariffs: new Map(tariffs.map((t) => [t.code, t])),
    services: new Map(services.map((s) => [s.code, s])),
  };
}

/**
 * Why a tariff change of `line` to `code` would fail by the business rules (CLI.md, plan.ts order:
 * status, region, incompatible service), `'skip'` when it is already on it, or null when it would apply
 * (money and the monthly limit aside: callers pick accounts with money and untouched numbers).
 */
export function tariffOutcome(
  line: Line,
  code: string,
  cat: { tariffs: Map<string, Tariff>; services: Map<string, Service> },
): string | 'skip' | null {
  if (line.status === 'terminated') return 'number_terminated';
  if (line.status === 'suspended_by_operator') return 'number_suspended';
  if (line.status === 'blocked') return 'number_blocked';
  if (line.tariff === code) return 'skip';
  if (!cat.tariffs.get(code)?.regions.includes(line.region)) return 'tariff_not_in_region';
  if (line.services.some((s) => cat.services.get(s)?.incompatibleWith.includes(code)))
    return 'service_incompatible';
  return null;
}

/** The ways people write one Russian mobile number, all valid: `8 (916) 123-45-67`, `+7 916 123 45 67`, … */
export function messySpelling(msisdn: string, i: number): string {
  const d = msisdn.replace(/^\+7/, '');
  const [a, b, c, e] = [d.slice(0, 3), d.slice(3, 6), d.slice(6, 8), d.slice(8)];
  switch (i % 6) {
    case 0:
      return `8 (${a}) ${b}-${c}-${e}`;
    case 1:
      return `+7 ${a} ${b} ${c} ${e}`;
    case 2:
      return `7${d}`;
    case 3:
      return ` 8${d} `;
    case 4:
      return `+7 (${a}) ${b}-${c}${e}`;
    default:
      return msisdn;
  }
}

/** A temp dir for input files; remove it with `fs.rmSync(dir, { recursive: true, force: true })`. */
export function makeFileDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vm-e2e-files-'));
}

/** Writes `lines` (joined with `\n`, trailing newline) to `dir/name` and returns the path. */
export function writeLines(dir: string, name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Parses vm's TSV output (header line + rows) into objects keyed by header. */
export function parseTsv(text: string): { header: string[]; rows: Record<string, string>[] } {
  const lines = text.split('\n').filter((l) => l !== '');
  const header = (lines[0] ?? '').split('\t');
  const rows = lines.slice(1).map((l) => {
    const cells = l.split('\t');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
  return { header, rows };
}

/** The operation id a change reported on stderr (`Operation op_… submitted`), or throws. */
export function operationIdIn(text: string): string {
  const m = /Operation (op_[0-9a-f]+)/.exec(text);
  if (!m) throw new Error(`no operation id in:\n${text}`);
  return m[1] as string;
}

/** The Luhn check digit of a digit string (the check digit not included). */
export function luhnDigit(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** Moves the backend's manual clock (test mode); resolves once what came due has run. */
export async function moveClock(
  url: string,
  body: { now: string } | { advanceSeconds: number },
): Promise<string> {
  const res = await fetch(`${url}/v1/test/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST /v1/test/clock ${JSON.stringify(body)}: ${res.status} ${text}`);
  return parseJson<{ now: string }>(text).now;
}
