import { createHash } from 'node:crypto';
import { ApiError } from '../../api/errors.js';
import { requireMsisdn } from './number-param.js';
import type { Consent, Location } from '../../api/lines.js';
import type { Clock } from '../../domain/clock.js';
import { tryParseMsisdn } from '../../domain/msisdn.js';
import type { Store } from '../store/store.js';
import type { NumberRecord } from '../store/numbers-repo.js';
import { actorName, scopeOf, type Principal } from './authz.js';
import { recordEvent } from './events.js';
import type { RequestOrigin } from './auth-service.js';
import { writeAudit } from './audit-service.js';

/** Where each region's numbers are, roughly: a centre and a spread in degrees. */
const REGION_CENTRES: Record<string, [number, number, number]> = {
  MOW: [55.7558, 37.6173, 0.25],
  SPE: [59.9343, 30.3351, 0.2],
  NSK: [55.0084, 82.9357, 0.15],
  EKB: [56.8389, 60.6057, 0.15],
  KZN: [55.7961, 49.1064, 0.12],
  KRD: [45.0355, 38.9753, 0.12],
};

/** The employee locator: consent by SMS, then approximate positions, every lookup audited. */
export class LocatorService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** The consent state of a number in scope. */
  consent(p: Principal, text: string): Consent {
    const line = this.line(p, text);
    return this.view(line.msisdn);
  }

  /** Sends the consent SMS to the employee's number. */
  request(p: Principal, text: string): Consent {
    const line = this.line(p, text);
    const now = this.clock.now().toISOString();
    const company = this.store.meta('company') ?? '';
    this.store.transaction(() => {
      this.store.consents.request(line.msisdn, now);
      this.store.audit.notify(
        now,
        'sms',
        line.msisdn,
        null,
        `${company} asks to see the approximate location of this phone for work. Reply YES to agree, NO to refuse. You can withdraw at any time.`,
      );
    });
    return this.view(line.msisdn);
  }

  /** Withdraws the consent. */
  revoke(p: Principal, text: string): Consent {
    const line = this.line(p, text);
    this.store.transaction(() => {
      this.store.consents.revoke(line.msisdn, this.clock.now().toISOString());
      recordEvent(this.store, this.clock, {
        type: 'consent.revoked',
        subject: line.msisdn,
        groupId: line.groupId,
        data: { by: actorName(p) },
      });
    });
    return this.view(line.msisdn);
  }

  /** The employee's YES (test mode and demo). */
  grant(text: string): Consent {
    const msisdn = tryParseMsisdn(text);
    if (!msisdn || !this.store.numbers.get(msisdn))
      throw new ApiError('not_found', `Number ${text} not found`, {
        reason: 'number_not_found',
        msisdn: text,
      });
    const groupId = this.store.numbers.get(msisdn)?.groupId ?? null;
    this.store.transaction(() => {
      this.store.consents.grant(msisdn, this.clock.now().toISOString());
      recordEvent(this.store, this.clock, { type: 'consent.granted', subject: msisdn, groupId });
    });
    return this.view(msisdn);
  }

  /** The approximate position of a consenting number; every lookup, allowed or refused, is audited. */
  locate(p: Principal, text: string, origin: RequestOrigin): Location {
    const line = this.line(p, text);
    const now = this.clock.now();
    const consent = this.store.consents.get(line.msisdn);
    const audit = (result: string) =>
      writeAudit(this.store, now.toISOString(), {
        actor: p,
        action: 'locate',
        target: line.msisdn,
        result,
        origin,
      });
    if (consent?.state !== 'granted') {
      audit('failed: consent_required');
      throw new ApiError(
        'consent_required',
        `${line.msisdn} has not agreed to be located; ask: vm locate consent request`,
        {
          reason: 'consent_required',
          msisdn: line.msisdn,
          consent: consent?.state ?? 'none',
        },
      );
    }
    audit('ok');
    // A stable position per number and 10-minute slot: people move, but not at random between two lookups.
    const slot = Math.floor(now.getTime() / 600_000);
    const h = createHash('sha256').update(`${line.msisdn}:${slot}`).digest();
    const [lat, lon, spread] = REGION_CENTRES[line.region] ?? [55.7558, 37.6173, 0.3];
    const jitter = (byte: number) => ((h.readUInt16BE(byte) / 65535) * 2 - 1) * spread;
    return {
      msisdn: line.msisdn,
      employee: line.employee,
      lat: Math.round((lat + jitter(0)) * 1e5) / 1e5,
      lon: Math.round((lon + jitter(2) * 1.6) * 1e5) / 1e5,
      accuracyM: 150 + (h.readUInt16BE(4) % 1350),
      time: new Date(slot * 600_000).toISOString(),
      region: line.region,
    };
  }

  private line(p: Principal, text: string): NumberRecord {
    const msisdn = requireMsisdn(text);
    const line = this.store.numbers.get(msisdn);
    const scope = scopeOf(p, 'locate:read', this.store.catalog.groupRecords());
    if (!line || (scope.kind === 'groups' && !scope.ids.has(line.groupId))) {
      throw new ApiError('not_found', `Number ${msisdn} not found`, { reason: 'number_not_found', msisdn });
    }
    return line;
  }

  private view(msisdn: string): Consent {
    const c = this.store.consents.get(msisdn);
    return {
      msisdn,
      state: c?.state ?? 'none',
      requestedAt: c?.requestedAt ?? null,
      grantedAt: c?.grantedAt ?? null,
      revokedAt: c?.revokedAt ?? null,
    };
  }
}
