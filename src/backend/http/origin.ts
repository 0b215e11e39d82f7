import type { FastifyRequest } from 'fastify';
import type { RequestOrigin } from '../engine/auth-service.js';

/** IP, client name and request id of a request, for the login history and the audit log. */
export function originOf(req: FastifyRequest, client?: string): RequestOrigin {
  const agent = req.headers['user-agent'];
  // A User-Agent may be 16 KB; the login history and the login SMS keep as much as the body's client field.
  const header = typeof agent === 'string' ? agent.slice(0, 200) : 'unknown';
  return { ip: req.ip, client: client ?? header, requestId: req.id };
}
