import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { GatehouseError } from '../errors.js';

/** The one place an error becomes a reply: Clerk's envelope, a 4xx for anything the client did. */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: GatehouseError): FastifyReply {
  if (error.status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(error.status).send({ errors: [error.toJSON()], clerk_trace_id: request.id });
}

/** Clerk's 429, with when to come back (`Retry-After`, whole seconds) from a rate limiter's refusal. */
export function sendTooManyRequests(request: FastifyRequest, reply: FastifyReply, refusal: unknown): FastifyReply {
  const ms = refusal instanceof RateLimiterRes ? refusal.msBeforeNext : 1000;
  reply.header('retry-after', String(Math.max(1, Math.ceil(ms / 1000))));
  return sendError(request, reply, new GatehouseError('too_many_requests'));
}

function fromFastifyError(error: FastifyError): GatehouseError | undefined {
  switch (error.code) {
    // The second: @fastify/multipart, when an uploaded file passes its size limit as it streams in.
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return new GatehouseError('request_body_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new GatehouseError('unsupported_content_type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatehouseError('request_body_invalid');
    // Router failures, raised before any route runs (see `frameworkErrorHandler`).
    case 'FST_ERR_BAD_URL':
      return new GatehouseError('request_invalid', { longMessage: 'The request path is not validly percent-encoded UTF-8.' });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // No resource has an id that long.
      return new GatehouseError('resource_not_found');
    default:
      break;
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new GatehouseError('request_body_invalid', { longMessage: 'The request could not be processed.' });
  }
  return undefined;
}

function handleError(error: FastifyError | GatehouseError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = error instanceof GatehouseError ? error : fromFastifyError(error);
  if (known) return sendError(request, reply, known);
  // Anything else is our bug: log it for the operator, tell the client nothing about internals.
  request.log.error({ err: error }, 'unhandled error');
  return sendError(request, reply, new GatehouseError('internal_clerk_error'));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handleError);
  registerNotFound(app);
}

/** Unknown routes in `app`'s scope: a 404 in Clerk's envelope, after the scope's own hooks ran. */
export function registerNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => sendError(request, reply, new GatehouseError('resource_not_found')));
}

/**
 * Fastify's `frameworkErrors` option: the router refusing a URL (undecodable percent-encoding,
 * a path parameter over `maxParamLength`) never reaches the error handler, and Fastify's own
 * reply for it is not Clerk's envelope. Such a reply runs none of the app's hooks either, so it
 * sets the headers the app's onSend hook would (a Buffer keeps Fastify from adding a charset).
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = fromFastifyError(error);
  if (!known) request.log.error({ err: error }, 'unhandled error');
  const gatehouseError = known ?? new GatehouseError('internal_clerk_error');
  const body = JSON.stringify({ errors: [gatehouseError.toJSON()], clerk_trace_id: request.id });
  void reply
    .code(gatehouseError.status)
    .headers({ 'content-type': 'application/json', 'x-request-id': request.id, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
    .send(Buffer.from(body));
}

/**
 * Fastify's `clientErrorHandler` option: Node's HTTP parser refused the request (malformed,
 * headers over the size limit, too slow), so there is no request to reply to, only the socket.
 * The reply is still Clerk's envelope, like Fastify's default but in our format.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new GatehouseError('request_header_too_large')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new GatehouseError('request_timeout')
        : new GatehouseError('request_invalid');
  // No request was parsed, so no request id exists; the trace id is still unique to this reply.
  const body = JSON.stringify({ errors: [known.toJSON()], clerk_trace_id: randomUUID() });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
