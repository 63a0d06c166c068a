import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import {
  activeTraceHeaders,
  serviceNameOf,
  traceConsume,
  traceLogFields,
  tracePublish,
  tracingActive,
  tracingRequested,
  withSpan,
} from '../src/index.ts';
import { markTracingActive } from '../src/switch.ts';

describe('tracing switch', () => {
  it('is off unless an exporter or an OTLP endpoint is configured', () => {
    assert.equal(tracingRequested({}), false);
    assert.equal(tracingRequested({ OTEL_SERVICE_NAME: 'users', OTEL_TRACES_SAMPLER: 'always_on' }), false);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'none' }), false);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: ' ', OTEL_EXPORTER_OTLP_ENDPOINT: '' }), false);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp' }), true);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }), true);
  });

  it('stays off with OTEL_SDK_DISABLED=true or an exporter of none', () => {
    assert.equal(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }), false);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), false);
  });

  it('names the service after its entry point when OTEL_SERVICE_NAME is not set', () => {
    assert.equal(serviceNameOf('/app/services/bookings/src/server.ts'), 'bookings');
    assert.equal(serviceNameOf('/app/services/bookings/src/worker.ts'), 'bookings-worker');
    assert.equal(serviceNameOf('services/notifications/src/worker.ts'), 'notifications-worker');
    assert.equal(serviceNameOf('/app/src/main.ts'), 'ticketing');
    assert.equal(serviceNameOf(undefined), 'ticketing');
  });
});

describe('trace helpers', () => {
  const message: { topic: string; key: string; messageId: string; headers: Record<string, string> } = {
    topic: 'booking-requests',
    key: 'b1',
    messageId: 'm1',
    headers: { message_version: '1' },
  };

  it('change nothing while tracing is off', async () => {
    assert.equal(tracingActive(), false);
    assert.deepEqual(activeTraceHeaders(), {});
    assert.deepEqual(traceLogFields(), {});
    let sent: unknown;
    await tracePublish('kafka', [message], async (m) => {
      sent = m;
    });
    assert.deepEqual(sent, [message]);
    assert.equal(await withSpan('x', {}, async () => 42), 42);
  });

  it('carry one trace from a request through a stored outbox row, a publish and a consume', async () => {
    type Processor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];
    type Finished = Parameters<Processor['onEnd']>[0];
    const spans: Finished[] = [];
    // Keeps each span as it ends (the SDK's processors export asynchronously).
    const collect: Processor = {
      onStart: () => undefined,
      onEnd: (span) => void spans.push(span),
      forceFlush: async () => undefined,
      shutdown: async () => undefined,
    };
    const sdk = new NodeSDK({ serviceName: 'unit', spanProcessors: [collect], metricReaders: [], logRecordProcessors: [] });
    sdk.start();
    markTracingActive();
    try {
      // The request: its trace headers are stored with the outbox row (as outbox.insert does).
      let stored: Record<string, string> = {};
      let requestLog: ReturnType<typeof traceLogFields> = {};
      await withSpan('request', {}, async () => {
        stored = { ...message.headers, ...activeTraceHeaders() };
        requestLog = traceLogFields();
      });
      assert.match(stored.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      assert.equal(stored.message_version, '1');
      assert.match(requestLog.trace_id ?? '', /^[0-9a-f]{32}$/);

      // The relay publishes later, outside the request: the stored context is the parent.
      let published: Array<typeof message> = [];
      await tracePublish('kafka', [{ ...message, headers: stored }], async (m) => {
        published = m;
      });
      const headers = published[0]!.headers;
      assert.notEqual(headers.traceparent, stored.traceparent, 'the producer span is the new parent');
      assert.equal(headers.message_version, '1');

      // The consumer continues it, and what the handler logs carries the trace id.
      let handlerLog: ReturnType<typeof traceLogFields> = {};
      await traceConsume('kafka', { topic: message.topic, headers, messageId: 'm1', partition: 0, offset: '7' }, 'group', async () => {
        handlerLog = traceLogFields();
        await withSpan('smtp send', { kind: 'client' }, async () => undefined);
      });
      await assert.rejects(
        withSpan('failing', {}, async () => Promise.reject(new Error('boom'))),
        /boom/,
      );

      const byName = new Map(spans.map((s) => [s.name, s]));
      const request = byName.get('request')!;
      const send = byName.get('send booking-requests')!;
      const consume = byName.get('process booking-requests')!;
      const smtp = byName.get('smtp send')!;
      const traceId = request.spanContext().traceId;
      assert.equal(requestLog.trace_id, traceId);
      assert.equal(handlerLog.trace_id, traceId);
      for (const s of [send, consume, smtp]) assert.equal(s.spanContext().traceId, traceId, s.name);
      assert.equal(send.parentSpanContext?.spanId, request.spanContext().spanId);
      assert.equal(consume.parentSpanContext?.spanId, send.spanContext().spanId);
      assert.equal(smtp.parentSpanContext?.spanId, consume.spanContext().spanId);
      assert.equal(send.attributes['messaging.destination.name'], 'booking-requests');
      assert.equal(consume.attributes['messaging.consumer.group.name'], 'group');
      assert.equal(byName.get('failing')!.status.code, 2);
    } finally {
      await sdk.shutdown();
    }
  });
});
