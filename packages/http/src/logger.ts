import pino, { type Logger, type LoggerOptions } from 'pino';
import { traceLogFields, tracingActive } from '@ticketing/telemetry';

export type { Logger } from 'pino';

/**
 * One pino logger per service: JSON lines, secrets redacted, service name on every line, and
 * `trace_id`/`span_id` of the active span when tracing is on (no extra work per line when off).
 */
export function createLogger(service: string, level: string, options: LoggerOptions = {}): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.password', '*.current_password', 'password'],
      censor: '[redacted]',
    },
    ...(tracingActive() ? { mixin: traceLogFields } : {}),
    ...options,
  });
}
