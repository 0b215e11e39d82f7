import type { FastifyRequest } from 'fastify';
import type { RequestOrigin } from '../engine/auth-service.js';

/** IP, client name and request id of a request, for the login history and the audit log. */
export function originOf(req: FastifyRequest, client?: string): RequestOrigin {
  const agent = req.headers['user-agent'];
  return { ip: req.ip, client: client ?? (typeof agent === 'string' ? agent : 'unknown'), requestId: req.id };
}
