import { ApiError } from '../../api/errors.js';
import { tryParseMsisdn, type Msisdn } from '../../domain/msisdn.js';

/** A phone number from a request, in any common spelling; a 400 `invalid_number` when it is none. */
export function requireMsisdn(text: string): Msisdn {
  const msisdn = tryParseMsisdn(text);
  if (!msisdn) {
    throw new ApiError('validation_failed', `"${text}" is not a valid phone number`, {
      reason: 'invalid_number',
      text,
    });
  }
  return msisdn;
}
