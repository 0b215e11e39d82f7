import type { Command } from 'commander';
import type { Consent, Location } from '../../api/lines.js';
import type { Context } from '../context.js';
import { withExamples } from '../command-options.js';
import type { Column } from '../output/render.js';

/** vm locate <number>, vm locate consent request|revoke|show <number>: the employee locator, with consent. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const locate = withExamples(
    program.command('locate').description(t('cmd.locate')).argument('[number]', t('arg.number')),
    t,
    [
      'vm locate +79161234567',
      'vm locate consent request +79161234567',
      'vm locate "8 (916) 123-45-67" --json',
    ],
  ).action(async (number: string | undefined, _o, cmd: Command) => {
    ctx.use(cmd);
    if (!number) return cmd.help({ error: true });
    const { parseMsisdn } = await import('../../domain/msisdn.js');
    const where = await (await ctx.client()).call('locate.show', { params: { msisdn: parseMsisdn(number) } });
    const columns: Column<Location>[] = [
      { key: 'msisdn', header: t('col.msisdn') },
      { key: 'employee', header: t('col.employee'), freeText: true },
      { key: 'lat', header: t('col.lat'), kind: 'number' },
      { key: 'lon', header: t('col.lon'), kind: 'number' },
      { key: 'accuracyM', header: t('col.accuracy'), kind: 'number' },
      { key: 'time', header: t('col.time'), kind: 'time' },
      { key: 'region', header: t('col.region') },
    ];
    await ctx.printObject(where, columns);
  });

  const consent = withExamples(locate.command('consent').description(t('cmd.locate.consent')), t, [
    'vm locate consent request +79161234567',
    'vm locate consent show +79161234567',
  ]);
  const verbs = [
    ['request', 'consents.request', 'cmd.locate.consent.request'],
    ['revoke', 'consents.revoke', 'cmd.locate.consent.revoke'],
    ['show', 'consents.show', 'cmd.locate.consent.show'],
  ] as const;
  for (const [verb, route, summary] of verbs) {
    withExamples(consent.command(`${verb} <number>`).description(t(summary)), t, [
      `vm locate consent ${verb} +79161234567`,
      `vm locate consent ${verb} "8 (916) 123-45-67" --json`,
    ]).action(async (number: string, _o, cmd: Command) => {
      ctx.use(cmd);
      const { parseMsisdn } = await import('../../domain/msisdn.js');
      const result = await (await ctx.client()).call(route, { params: { msisdn: parseMsisdn(number) } });
      if (verb === 'request') ctx.note(t('msg.consentRequested', { msisdn: result.msisdn }));
      if (verb === 'revoke') ctx.note(t('msg.consentRevoked', { msisdn: result.msisdn }));
      const columns: Column<Consent>[] = [
        { key: 'msisdn', header: t('col.msisdn') },
        { key: 'state', header: t('col.state') },
        { key: 'requestedAt', header: t('col.requested'), kind: 'time' },
        { key: 'grantedAt', header: t('col.granted'), kind: 'time' },
        { key: 'revokedAt', header: t('col.revoked'), kind: 'time' },
      ];
      await ctx.printObject(result, columns);
    });
  }
}
