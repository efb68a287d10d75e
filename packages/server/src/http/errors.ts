import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatehouseError } from '../errors.js';

/** The one place an error becomes a reply: Clerk's envelope, a 4xx for anything the client did. */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: GatehouseError): FastifyReply {
  if (error.status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(error.status).send({ errors: [error.toJSON()], clerk_trace_id: request.id });
}

function fromFastifyError(error: FastifyError): GatehouseError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatehouseError('request_body_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new GatehouseError('unsupported_content_type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatehouseError('request_body_invalid');
    default:
      break;
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new GatehouseError('request_body_invalid', { longMessage: 'The request could not be processed.' });
  }
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | GatehouseError, request, reply) => {
    const known = error instanceof GatehouseError ? error : fromFastifyError(error);
    if (known) return sendError(request, reply, known);
    // Anything else is our bug: log it for the operator, tell the client nothing about internals.
    request.log.error({ err: error }, 'unhandled error');
    return sendError(request, reply, new GatehouseError('internal_clerk_error'));
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, new GatehouseError('resource_not_found')));
}
