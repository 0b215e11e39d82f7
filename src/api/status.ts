import { Type, type Static } from '@sinclair/typebox';
import { Day } from './billing.js';
import { Timestamp } from './common.js';

/** What `GET /v1/status` says: the backend's clock, its size, its history and its background jobs. */
export const BackendStatus = Type.Object({
  version: Type.String(),
  now: Timestamp,
  lines: Type.Integer({ description: 'Numbers the company has' }),
  history: Type.Object(
    {
      from: Day,
      backfilledFrom: Day,
      billingStart: Day,
      complete: Type.Boolean(),
    },
    {
      description:
        'Daily usage before billing started (billingStart) is filled in the background, newest month first: every number has it from backfilledFrom on; complete when that reaches from',
    },
  ),
  jobs: Type.Object(
    {
      running: Type.Integer(),
      queued: Type.Integer(),
    },
    { description: 'Background jobs of everyone: report jobs and call detail requests' },
  ),
});
export type BackendStatus = Static<typeof BackendStatus>;
