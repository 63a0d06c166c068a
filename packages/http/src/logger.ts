import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** One pino logger per service: JSON lines, secrets redacted, service name on every line. */
export function createLogger(service: string, level: string, options: LoggerOptions = {}): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.password', '*.current_password', 'password'],
      censor: '[redacted]',
    },
    ...options,
  });
}
