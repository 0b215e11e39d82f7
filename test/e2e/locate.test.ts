import type { AuditEntry } from '../../src/api/auth.js';
import type { Consent, Line, Location } from '../../src/api/lines.js';
import { adminBackend } from '../support/admin-backend.js';
import { demo, loginAs, makeConfigHome, parseJson, runVm } from '../support/run-vm.js';

describe('the employee locator (vm locate), only with consent', () => {
  const fixture = adminBackend({ testMode: true });
  const admin = fixture.admin;
  let number: Line;

  beforeAll(async () => {
    number = parseJson<Line[]>(
      (await admin('numbers', 'list', '--region', 'MOW', '--limit', '1', '--json')).stdout,
    )[0] as Line;
  });

  it('refuses without consent, works after it, and refuses again after revoking — every lookup audited', async () => {
    const refused = await admin('locate', number.msisdn);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/has not agreed to be located.*vm locate consent request/);
    const refusedRu = await runVm(['locate', number.msisdn, '--lang', 'ru'], {
      server: fixture.backend.url,
      configHome: fixture.config,
    });
    expect(refusedRu.stderr).toMatch(/не давал согласия/);

    const asked = await admin('locate', 'consent', 'request', number.msisdn, '--json');
    expect(parseJson<Consent>(asked.stdout).state).toBe('requested');
    const outbox = (await (
      await fetch(`${fixture.backend.url}/v1/test/outbox?recipient=${encodeURIComponent(number.msisdn)}`)
    ).json()) as {
      data: { text: string; channel: string }[];
    };
    expect(outbox.data[0]).toMatchObject({ channel: 'sms' });
    expect(outbox.data[0]?.text).toMatch(/Reply YES/);
    expect((await admin('locate', number.msisdn)).code).toBe(1);

    await fetch(`${fixture.backend.url}/v1/test/consents/${encodeURIComponent(number.msisdn)}`, {
      method: 'POST',
    });
    const found = await admin('locate', number.msisdn, '--json');
    expect(found.code).toBe(0);
    const where = parseJson<Location>(found.stdout);
    expect(where).toMatchObject({ msisdn: number.msisdn, region: 'MOW', employee: number.employee });
    expect(Math.abs(where.lat - 55.75)).toBeLessThan(0.5);
    expect(Math.abs(where.lon - 37.62)).toBeLessThan(0.8);
    expect(where.accuracyM).toBeGreaterThanOrEqual(150);

    expect((await admin('locate', 'consent', 'revoke', number.msisdn)).code).toBe(0);
    expect((await admin('locate', number.msisdn)).code).toBe(1);

    const audit = parseJson<AuditEntry[]>((await admin('audit', '--action', 'locate', '--json')).stdout);
    expect(audit.map((a) => a.result)).toEqual([
      'failed: consent_required',
      'ok',
      'failed: consent_required',
      'failed: consent_required',
      'failed: consent_required',
    ]);
    expect(audit.every((a) => a.target === number.msisdn && a.actor === demo.admin.email)).toBe(true);
  });

  it('is only for holders of locate:read (exit 5), and hides numbers outside the scope', async () => {
    const managerConfig = makeConfigHome();
    await loginAs(fixture.backend.url, managerConfig, demo.manager.email, demo.manager.password);
    const r = await runVm(['locate', number.msisdn], {
      server: fixture.backend.url,
      configHome: managerConfig,
    });
    expect(r.code).toBe(5);
    const unknown = await admin('locate', '+79000000001');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/not found/);
  });
});
