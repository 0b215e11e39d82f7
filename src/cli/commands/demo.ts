import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { VERSION, type Context } from '../context.js';
import { withExamples } from '../command-options.js';

interface Step {
  args: string[];
  note: string;
  stdin?: string;
  env?: Record<string, string>;
}

/**
 * A scripted tour: an embedded backend in a temporary directory, then real `vm` commands run as
 * child processes against it, exactly as a user would type them. Exits by itself and cleans up.
 */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  withExamples(program.command('demo').description(t('cmd.demo')), t, [
    'vm demo',
    'vm demo --lang ru',
  ]).action(async (_o, cmd: Command) => {
    ctx.use(cmd);
    const out = ctx.io.stdout;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-demo-'));
    const { startBackend } = await import('../../backend/server.js');
    // A manual clock starting now: the tour moves it a few days on to show billing, limits and details.
    const server = await startBackend({
      dataDir: path.join(tmp, 'data'),
      port: 0,
      lines: DEMO_LINES,
      seed: 1,
      version: VERSION,
      clockStart: new Date(),
      // The tour runs its commands back to back, faster than a person types: limits ten times the
      // defaults keep it from waiting on them, and its answers still carry the RateLimit-* headers.
      rateLimits: {
        read: { perSecond: 200, burst: 400 },
        write: { perSecond: 50, burst: 100 },
        ip: { perSecond: 1000, burst: 1000 },
      },
    });
    // The demo runs as `vm demo`, so the launcher that started it is the binary to show off.
    const bin = process.argv[1] ?? 'vm';
    const env = {
      ...ctx.env,
      VM_SERVER: server.url,
      XDG_CONFIG_HOME: path.join(tmp, 'config'),
      VM_LANG: ctx.lang,
      VM_TOKEN: '',
      VM_PROFILE: '',
    };
    const heading = (text: string) => out.write(`\n${ctx.color ? `\x1b[1m${text}\x1b[0m` : text}\n`);
    // Each step runs in a child process so the backend (in this process) keeps answering.
    const runStep = async (step: Step): Promise<string> => {
      heading(`# ${step.note}`);
      out.write(
        `$ vm ${step.args.map(quote).join(' ')}${step.stdin !== undefined ? '   (password on stdin)' : ''}\n`,
      );
      const { spawn } = await import('node:child_process');
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [bin, ...step.args], {
          env: { ...env, ...step.env },
          stdio: [step.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        });
        let captured = '';
        child.stdout?.on('data', (d: Buffer) => {
          captured += d.toString();
          out.write(d);
        });
        child.stderr?.on('data', (d: Buffer) => ctx.io.stderr.write(d));
        if (step.stdin !== undefined) child.stdin?.end(step.stdin);
        child.on('error', reject);
        child.on('close', () => resolve(captured));
      });
    };
    try {
      heading(`vm ${VERSION} demo — mock operator backend at ${server.url}, data in ${tmp}`);
      await runStep({
        note: 'Log in as the demo admin (scripts pipe the password)',
        args: ['login', '--email', 'admin@demo.test', '--password-stdin'],
        stdin: 'admin-demo-1\n',
      });
      await runStep({ note: 'Who am I, and what may I do', args: ['whoami'] });
      await runStep({ note: 'Accounts (contracts) in several regions', args: ['accounts', 'list'] });
      await runStep({ note: 'The group tree', args: ['groups', 'list'] });
      await runStep({ note: 'The first numbers of 250', args: ['numbers', 'list', '--limit', '8'] });
      await runStep({
        note: 'Blocked numbers in the Sales subtree',
        args: ['numbers', 'list', '--group', 'sales', '--status', 'blocked'],
      });
      // Asked of the embedded backend directly: a synchronous child would block the backend it talks to.
      const msisdn = server.services.store.numbers.list({ groupIds: null, limit: 1 })[0]?.msisdn;
      if (msisdn) {
        const spelled = `8 (${msisdn.slice(2, 5)}) ${msisdn.slice(5, 8)}-${msisdn.slice(8, 10)}-${msisdn.slice(10)}`;
        await runStep({
          note: 'One number in full — any common spelling works',
          args: ['numbers', 'show', spelled],
        });
      }
      await runStep({ note: 'The tariff plan catalog', args: ['tariffs', 'list'] });
      await runStep({ note: 'Services that fit a tariff', args: ['services', 'list', '--tariff', 'SMART'] });
      await runStep({
        note: 'For scripts: JSON lines',
        args: [
          'numbers',
          'list',
          '--region',
          'SPE',
          '--limit',
          '2',
          '--jsonl',
          '--fields',
          'msisdn,employee,tariff,monthlyFee',
        ],
      });
      await runStep({
        note: 'A bulk tariff change, planned first: now → after, monthly cost, problems',
        args: ['tariff', 'set', 'SMART_PLUS', '--group', 'finance', '--dry-run'],
      });
      await runStep({
        note: 'Applied (scripts say --yes; on a terminal vm asks first)',
        args: ['tariff', 'set', 'SMART_PLUS', '--group', 'finance', '--yes'],
      });
      await runStep({
        note: 'A block scheduled in the backend: it happens even if no vm runs then',
        args: [
          'block',
          '--group',
          'drivers',
          '--reason',
          'vacation',
          '--at',
          '+1d',
          '--until',
          '+10d',
          '--yes',
        ],
      });
      await runStep({ note: 'Operations', args: ['ops', 'list'] });
      await runStep({
        note: 'An API token for a cron job (shown once)',
        args: ['tokens', 'create', '--name', 'demo-cron', '--scope', 'numbers:read', '--expires', '90d'],
      });
      await runStep({
        note: 'Money: balance, credit and the billing period of each account',
        args: ['balance'],
      });
      const before = server.services.clock.now();
      const later = new Date(before.getTime() + 3 * DAY_MS);
      const limited = await limitedNumber(
        server.services.store.billing.lines({ after: '', limit: DEMO_LINES, status: 'active' }),
        before,
        later,
      );
      if (limited)
        await runStep({
          note: 'A spending limit that blocks the number when passed',
          args: ['limits', 'set', limited, '--monthly', String(LIMIT_RUB), '--action', 'block', '--yes'],
        });
      // A token outlives the 20-minute idle expiry of the session while the clock jumps.
      const token = (
        await runStep({
          note: 'A token for the rest of the tour (the clock is about to jump days ahead)',
          args: ['tokens', 'create', '--name', 'demo-admin', '--expires', '30d'],
        })
      ).trim();
      env.VM_TOKEN = token;
      server.services.setClock?.(later);
      await server.services.worker.idle();
      heading('# Three days later: the backend charged each day of usage from the call details');
      await runStep({ note: 'Charged so far, and the forecast to the end of the period', args: ['balance'] });
      if (limited) {
        await runStep({ note: 'The limit was passed: blocked by an operation', args: ['limits', 'list'] });
        await runStep({
          note: 'Operations, with the one the limit made',
          args: ['ops', 'list', '--limit', '3'],
        });
        await runStep({
          note: 'What happened, as events a script can follow: thresholds passed, the limit, the block',
          args: ['events', 'list', '--type', 'limit.*,line.blocked', '--number', limited],
        });
        await runStep({ note: "The number's history", args: ['numbers', 'history', limited] });
      }
      const month = new Date(Date.UTC(before.getUTCFullYear(), before.getUTCMonth() - 1, 1))
        .toISOString()
        .slice(0, 7);
      if (msisdn)
        await runStep({
          note: 'Call details of one number, one day of last month, as CSV',
          args: ['detail', msisdn, '--from', `${month}-03`, '--to', `${month}-03`, '--csv'],
        });
      await runStep({ note: 'The reports', args: ['report', 'list'] });
      await runStep({
        note: 'Expenses since the 1st of the month the tour started in, by account',
        args: ['report', 'expenses', '--by', 'account', '--from', `${before.toISOString().slice(0, 7)}-01`],
      });
      await runStep({
        note: 'Who would pay less on another tariff (last 3 months)',
        args: ['report', 'tariff-optimization', '--limit', '5'],
      });
      // --profile, not VM_PROFILE: the admin's token in VM_TOKEN beats a variable, never a flag.
      await runStep({
        note: 'The manager sees only the Sales subtree',
        args: ['login', '--email', 'manager@demo.test', '--password-stdin', '--profile', 'manager'],
        stdin: 'manager-demo-1\n',
      });
      await runStep({
        note: 'Sales numbers, as the manager',
        args: ['numbers', 'list', '--limit', '5', '--profile', 'manager'],
      });
      await runStep({
        note: 'A wrong password is refused and recorded',
        args: ['login', '--email', 'admin@demo.test', '--password-stdin', '--profile', 'typo'],
        stdin: 'wrong\n',
      });
      await runStep({
        note: "Login history, in the manager's session (API tokens cannot read it)",
        args: ['sessions', '--profile', 'manager'],
      });
      await runStep({ note: 'The audit log: who did what', args: ['audit', '--limit', '8'] });
    } finally {
      await server.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    heading('Try it by hand');
    out.write(
      [
        '  1. In one terminal:   vm backend start            (or: node bin/vm.js backend start)',
        '  2. In another:        vm login --email admin@demo.test      password: admin-demo-1',
        '                        vm numbers list',
        '  Other demo users: manager@demo.test / manager-demo-1 (Sales only), viewer@demo.test / viewer-demo-1 (read only).',
        '  Then: vm balance, vm detail NUMBER --period YYYY-MM, vm report list',
        '  Then, as things happen: vm events follow (vm help events, vm help webhooks)',
        '  Help: vm --help, vm help environment, vm help exit-codes, vm help billing',
        '',
      ].join('\n'),
    );
  });
}

const DAY_MS = 86_400_000;
const DEMO_LINES = 250;
/** The demo's spending limit, in rubles: less than the monthly fee of the number it is set on. */
const LIMIT_RUB = 300;

/**
 * An active IT number whose own monthly fee passes the limit (so the limit is passed by the first day's
 * charges) and whose account's billing period holds from `from` to `to`: after the jump `vm limits list`
 * shows the period the limit was passed in, not a new one in which the blocked number spent nothing.
 * Billing days (1, 5, 10, 15) lie four or more days apart, so over three days at most one account starts
 * a new period, and IT has such numbers on every account.
 */
export async function limitedNumber(
  lines: { msisdn: string; groupId: string; billingDay: number; monthlyFee: number }[],
  from: Date,
  to: Date,
): Promise<string | undefined> {
  const { dayOf, periodOf } = await import('../../domain/billing.js');
  const samePeriod = (billingDay: number) =>
    periodOf(dayOf(from), billingDay).start === periodOf(dayOf(to), billingDay).start;
  return lines.find((l) => l.groupId === 'it' && l.monthlyFee > LIMIT_RUB * 100 && samePeriod(l.billingDay))
    ?.msisdn;
}

function quote(arg: string): string {
  return /^[\w@.,:/=+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}
