import pino, { type DestinationStream, type Logger } from 'pino';

interface LoggableRequest {
  id?: unknown;
  method?: unknown;
  url?: unknown;
  ip?: unknown;
}

/**
 * Structured JSON logs. Request lines carry the path without its query string (list filters
 * carry email addresses and phone numbers) and never a header; the redact list is a second line
 * of defence should a secret ever reach a log call.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'gatehouse' },
      redact: {
        paths: [
          'req.headers',
          'headers.authorization',
          '*.password',
          '*.password_digest',
          '*.secret',
          '*.secret_key',
          '*.token',
          'password',
          'secret',
          'token',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: LoggableRequest) => ({
          method: req.method,
          path: typeof req.url === 'string' ? req.url.split('?')[0] : undefined,
          ip: req.ip,
        }),
        res: (res: { statusCode?: unknown }) => ({ status: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    destination,
  );
}
