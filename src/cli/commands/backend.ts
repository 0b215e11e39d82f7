import { randomInt } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseFaultSpec } from '../../domain/fault-spec.js';
import { parseRateLimitSpec } from '../../domain/rate-limit-spec.js';
import { SpecError, type SpecProblem } from '../../domain/spec-parts.js';
import { VERSION, type Context } from '../context.js';
import { UsageError } from '../errors.js';
import { withExamples } from '../command-options.js';
import type { MessageKey, Translate } from '../i18n/index.js';

interface StartOptions {
  data?: string;
  port: string;
  host: string;
  lines: string;
  seed: string;
  tlsCert?: string;
  tlsKey?: string;
  logLevel: string;
  clock?: string;
  testMode?: boolean;
  chunkSize?: string;
  faults?: string;
  faultsSeed?: string;
  rateLimit?: string;
  allowPrivateWebhooks?: boolean;
}

/** The words for what is wrong with a --faults or --rate-limit value (`form` for anything unforeseen). */
type SpecMessages = Partial<Record<SpecProblem, MessageKey>> & { form: MessageKey };
const FAULT_MESSAGES: SpecMessages = {
  empty: 'err.faults.empty',
  form: 'err.faults.form',
  unknown: 'err.faults.unknown',
  repeated: 'err.faults.repeated',
  probability: 'err.faults.probability',
  duration: 'err.faults.duration',
  slow: 'err.faults.slow',
};
const RATE_LIMIT_MESSAGES: SpecMessages = {
  empty: 'err.rateLimit.empty',
  form: 'err.rateLimit.form',
  unknown: 'err.rateLimit.unknown',
  repeated: 'err.rateLimit.repeated',
  rate: 'err.rateLimit.rate',
  burst: 'err.rateLimit.burst',
};

/**
 * A spec from its flag, else its variable (an empty variable is an unset one), read by `parse`; a value
 * it cannot read is a usage error naming the flag or variable, the part and what is expected.
 */
function specOption<T>(
  t: Translate,
  [flag, flagValue]: [string, string | undefined],
  [variable, variableValue]: [string, string | undefined],
  parse: (text: string) => T,
  messages: SpecMessages,
): { text: string; value: T } | undefined {
  const [option, text] = flagValue !== undefined ? [flag, flagValue] : [variable, variableValue];
  if (text === undefined || (text === '' && option === variable)) return undefined;
  try {
    return { text, value: parse(text) };
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    throw new UsageError(t(messages[err.problem] ?? messages.form, { option, part: err.part }));
  }
}

/** `$XDG_DATA_HOME/vm/backend`, or `~/.local/share/vm/backend`. */
export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'vm', 'backend');
}

function wholeNumber(t: Translate, min: number, max: number) {
  return (v: string): string => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(t('err.wholeNumberRange', { min, max }));
    return v;
  };
}

/** vm backend start|openapi: the embedded mock operator. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const backend = withExamples(program.command('backend').description(t('cmd.backend')), t, [
    'vm backend start',
    'vm backend start --data /tmp/vm-demo --lines 100000 --port 0',
  ]);

  withExamples(
    backend
      .command('start')
      .description(t('cmd.backend.start'))
      .option('--data <dir>', t('cmd.backend.data'))
      .option('--port <n>', t('cmd.backend.port'), wholeNumber(t, 0, 65535), '7080')
      .option('--host <address>', t('cmd.backend.host'), '127.0.0.1')
      .option('--lines <n>', t('cmd.backend.lines'), wholeNumber(t, 0, 10_000_000), '250')
      .option('--seed <n>', t('cmd.backend.seed'), wholeNumber(t, 0, 2 ** 31), '1')
      .option('--tls-cert <file>', t('cmd.backend.tlsCert'))
      .option('--tls-key <file>', t('cmd.backend.tlsKey'))
      .option('--log-level <level>', t('cmd.backend.logLevel'), 'warn')
      .option('--clock <time>', t('cmd.backend.clock'))
      .option('--test-mode', t('cmd.backend.testMode'))
      .option('--faults <spec>', t('cmd.backend.faults'))
      .option('--faults-seed <n>', t('cmd.backend.faultsSeed'), wholeNumber(t, 0, 2 ** 32 - 1))
      .option('--rate-limit <spec>', t('cmd.backend.rateLimit'))
      .option('--allow-private-webhooks', t('cmd.backend.allowPrivateWebhooks'))
      .addOption(
        new Option('--chunk-size <n>', 'items per worker transaction (tests)')
          .argParser(wholeNumber(t, 1, 100_000))
          .hideHelp(),
      ),
    t,
    [
      'vm backend start',
      'vm backend start --port 0 --data "$(mktemp -d)" --lines 1000 --seed 7',
      'vm backend start --tls-cert server.crt --tls-key server.key --port 8443',
      "vm backend start --faults 'error=0.2,latency=20ms,drop=0.05,slow=0.01:5s' --faults-seed 7",
      "vm backend start --rate-limit 'read=50/s:100,write=10/s' --log-level debug",
    ],
  )
    .addHelpText('after', t('cmd.backend.exitCodes'))
    .action(async (_o, cmd: Command) => {
      const o = ctx.use<StartOptions>(cmd);
      if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new UsageError(t('err.tlsPair'));
      let clockStart: Date | undefined;
      if (o.clock !== undefined) {
        clockStart = new Date(o.clock);
        if (Number.isNaN(clockStart.getTime())) throw new UsageError(t('err.badClock', { value: o.clock }));
      }
      const faults = specOption(
        t,
        ['--faults', o.faults],
        ['VM_FAULTS', ctx.env.VM_FAULTS],
        parseFaultSpec,
        FAULT_MESSAGES,
      );
      const rateLimits = specOption(
        t,
        ['--rate-limit', o.rateLimit],
        ['VM_RATE_LIMIT', ctx.env.VM_RATE_LIMIT],
        parseRateLimitSpec,
        RATE_LIMIT_MESSAGES,
      );
      const faultsSeed = o.faultsSeed !== undefined ? Number(o.faultsSeed) : randomInt(2 ** 32);
      const dataDir = path.resolve(o.data ?? defaultDataDir(ctx.env));
      // V8's heap sizing tuned for memory, before the backend allocates anything (process-wide, so the
      // history thread gets it too): a 100,000-line backend peaked at 215 MB through a dry run and a
      // bulk change of every number, 178 MB with it, at the same speed (bench/scale.js). The old
      // generation otherwise grows its limit to twice what a big submission held and keeps the
      // worker's garbage that long.
      (await import('node:v8')).setFlagsFromString('--optimize-for-size');
      const { startBackend } = await import('../../backend/server.js');
      const server = await startBackend({
        dataDir,
        host: o.host,
        port: Number(o.port),
        lines: Number(o.lines),
        seed: Number(o.seed),
        tls: o.tlsCert && o.tlsKey ? { certFile: o.tlsCert, keyFile: o.tlsKey } : null,
        logLevel: o.logLevel,
        clockStart,
        testMode: o.testMode,
        chunkSize: o.chunkSize ? Number(o.chunkSize) : undefined,
        version: VERSION,
        rateLimits: rateLimits?.value,
        faults: faults ? { spec: faults.value, seed: faultsSeed } : null,
        allowPrivateWebhooks: o.allowPrivateWebhooks ?? false,
      });
      if (faults) ctx.io.stderr.write(`${t('msg.faultsOn', { spec: faults.text, seed: faultsSeed })}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        // Announced only now: a supervisor may send SIGTERM the moment it reads this line, and without
        // the handlers that would kill the backend before it checkpoints and frees the data directory.
        ctx.io.stdout.write(`vm backend listening on ${server.url}\n`);
      });
    });

  withExamples(backend.command('openapi').description(t('cmd.backend.openapi')), t, [
    'vm backend openapi > openapi.json',
    'vm backend openapi | jq ".paths | keys"',
  ]).action(async (_o, cmd: Command) => {
    ctx.use(cmd);
    const { buildOpenApi } = await import('../../api/openapi.js');
    ctx.io.stdout.write(`${JSON.stringify(buildOpenApi(VERSION), null, 2)}\n`);
  });

  withExamples(backend.command('status').description(t('cmd.backend.status')), t, [
    'vm backend status',
    'vm backend status --json | jq .history',
  ]).action(async (_o, cmd: Command) => {
    ctx.use(cmd);
    const status = await (await ctx.client()).call('status.show');
    type Status = typeof status;
    const history = (s: Status) =>
      s.history.complete
        ? t('msg.historyComplete', { from: s.history.from, to: s.history.billingStart })
        : t('msg.historyFilling', { from: s.history.backfilledFrom, target: s.history.from });
    await ctx.printObject(status, [
      { key: 'version', header: t('col.version') },
      { key: 'now', header: t('col.backendClock'), kind: 'time' },
      { key: 'lines', header: t('col.lines'), kind: 'number' },
      { key: 'history', header: t('col.history'), get: history },
      { key: 'jobs', header: t('col.jobs'), get: (s) => t('msg.jobsCount', s.jobs) },
    ]);
  });
}
