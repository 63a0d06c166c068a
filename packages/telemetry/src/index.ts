import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { tracingActive } from './switch.ts';

export { flushTraces, serviceNameOf, tracingActive, tracingRequested } from './switch.ts';

const tracer = () => trace.getTracer('@ticketing/telemetry');

/**
 * The W3C trace headers (`traceparent`, and `tracestate` when there is one) of the active span;
 * empty when no span is active or tracing is off. Stored with an outbox row in the request's
 * transaction, they let the relay's later publish continue the request's trace.
 */
export function activeTraceHeaders(): Record<string, string> {
  if (!tracingActive()) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** `trace_id` and `span_id` of the active span, for log lines (pino mixin); empty when none. */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

function endSpan(span: Span, err?: unknown): void {
  if (err !== undefined) {
    const error = err instanceof Error ? err : new Error(typeof err === 'string' ? err : 'non-error thrown');
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  }
  span.end();
}

/** Runs `fn` in a span of its own, child of the active one. Without tracing, just runs `fn`. */
export async function withSpan<T>(
  name: string,
  options: { kind?: 'client' | 'internal'; attributes?: Attributes },
  fn: () => Promise<T>,
): Promise<T> {
  if (!tracingActive()) return fn();
  const span = tracer().startSpan(name, {
    kind: options.kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL,
    ...(options.attributes ? { attributes: options.attributes } : {}),
  });
  try {
    const result = await context.with(trace.setSpan(context.active(), span), fn);
    endSpan(span);
    return result;
  } catch (err) {
    endSpan(span, err);
    throw err;
  }
}

export interface TracedMessage {
  topic: string;
  key: string;
  messageId?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/**
 * Sends messages inside one producer span each. A message that carries a `traceparent` (an
 * outbox row written during a request) continues that trace; one without it is a child of the
 * active span. `send` gets the messages with the producer span's headers in place of the old ones.
 * Without tracing, `send` gets the messages unchanged.
 */
export async function tracePublish<M extends TracedMessage>(
  system: string,
  messages: readonly M[],
  send: (messages: M[]) => Promise<void>,
) {
  if (!tracingActive()) return send([...messages]);
  const spans: Span[] = [];
  const traced = messages.map((m) => {
    const parent = m.headers?.traceparent ? propagation.extract(ROOT_CONTEXT, m.headers) : context.active();
    const span = tracer().startSpan(
      `send ${m.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': system,
          'messaging.operation.type': 'send',
          'messaging.destination.name': m.topic,
          ...(system === 'kafka' ? { 'messaging.kafka.message.key': m.key } : {}),
          ...(m.messageId ? { 'messaging.message.id': m.messageId } : {}),
        },
      },
      parent,
    );
    spans.push(span);
    const headers: Record<string, string> = { ...m.headers };
    delete headers.tracestate;
    propagation.inject(trace.setSpan(parent, span), headers);
    return { ...m, headers };
  });
  try {
    await send(traced);
    for (const s of spans) endSpan(s);
  } catch (err) {
    for (const s of spans) endSpan(s, err);
    throw err;
  }
}

/**
 * Handles one received message inside a consumer span, child of the producer span named by the
 * message's `traceparent`; what the handler does (queries, HTTP calls, new messages) joins that
 * trace. Without tracing, just runs `fn`.
 */
export async function traceConsume<T>(
  system: string,
  message: { topic: string; headers: Record<string, string>; messageId: string; partition: number; offset: string },
  groupId: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (!tracingActive()) return fn();
  const parent = propagation.extract(ROOT_CONTEXT, message.headers);
  const span = tracer().startSpan(
    `process ${message.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': system,
        'messaging.operation.type': 'process',
        'messaging.destination.name': message.topic,
        'messaging.consumer.group.name': groupId,
        'messaging.message.id': message.messageId,
        'messaging.destination.partition.id': String(message.partition),
        ...(system === 'kafka' ? { 'messaging.kafka.offset': Number(message.offset) } : {}),
      },
    },
    parent,
  );
  try {
    const result = await context.with(trace.setSpan(parent, span), fn);
    endSpan(span);
    return result;
  } catch (err) {
    endSpan(span, err);
    throw err;
  }
}
