import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../../api/errors.js';
import { prng } from '../../domain/cdr.js';
import { drawFault, type FaultDraw, type FaultSpec } from '../../domain/fault-spec.js';

/** Fault injection as a backend runs it: what to inject and the seed of the draws. */
export interface Faults {
  spec: FaultSpec;
  seed: number;
}

/** The part of fault injection the app's onRequest hook runs; stalls and late drops are an onSend hook's. */
export interface FaultInjector {
  /** Draws the request's faults. Call it first, before anything awaits, so draws follow arrival order. */
  draw(req: FastifyRequest): void;
  /**
   * Before the work: the latency, then what was drawn — a reset connection (true: nothing is left to do,
   * the request is hijacked) or a 503 `unavailable` (thrown).
   */
  beforeWork(req: FastifyRequest, reply: FastifyReply): Promise<boolean>;
}

/**
 * Makes the backend misbehave like a real operator API, on routes with `faults: true` (not the OpenAPI
 * document, the status or test-only routes). The draws come from one seeded generator, one set per
 * request in arrival order, so a seeded run repeats. A connection reset after the work is the case a
 * client cannot tell from one before it: the work is done (and audited, through `onDropped`) but its
 * answer never arrives, so only an Idempotency-Key makes a retry safe. Each fault is logged at debug level.
 */
export function injectFaults(
  app: FastifyInstance,
  faults: Faults,
  onDropped: (req: FastifyRequest, reply: FastifyReply) => void,
): FaultInjector {
  const random = prng(faults.seed);
  const drawn = new WeakMap<FastifyRequest, FaultDraw>();
  // A closing backend cuts its stalls short instead of waiting out a 5 s `slow`.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  const pause = (ms: number) => sleep(ms, undefined, { signal: closing.signal }).catch(() => undefined);

  app.addHook('onSend', async (req, reply, payload) => {
    const draw = drawn.get(req);
    if (draw?.stallMs) {
      req.log.debug({ fault: 'slow', ms: draw.stallMs }, 'injected fault: a stall before the answer');
      await pause(draw.stallMs);
    }
    if (draw?.drop !== 'after') return payload;
    req.log.debug({ fault: 'drop', when: 'after' }, 'injected fault: connection reset after the work');
    // A streamed answer (a call detail export, a plan) is stopped too, not made for nobody.
    if (
      payload &&
      typeof payload === 'object' &&
      'destroy' in payload &&
      typeof payload.destroy === 'function'
    )
      payload.destroy();
    req.raw.socket.destroy();
    onDropped(req, reply);
    return payload;
  });

  return {
    draw(req) {
      if (req.routeOptions.config?.faults === true) drawn.set(req, drawFault(faults.spec, random));
    },
    async beforeWork(req, reply) {
      const draw = drawn.get(req);
      if (!draw) return false;
      if (faults.spec.latencyMs) await pause(faults.spec.latencyMs);
      if (draw.drop === 'before') {
        req.log.debug({ fault: 'drop', when: 'before' }, 'injected fault: connection reset before the work');
        reply.hijack();
        req.raw.socket.destroy();
        return true;
      }
      if (draw.error) {
        req.log.debug({ fault: 'error' }, 'injected fault: 503');
        throw new ApiError('unavailable', 'The service is unavailable for a moment; try again', {
          reason: 'injected_fault',
        });
      }
      return false;
    },
  };
}
