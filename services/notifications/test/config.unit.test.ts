import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, redact } from '@ticketing/config';
import { loadNotificationsConfig } from '../src/index.ts';

describe('notifications config', () => {
  it('has working defaults: port 8084, topic notification-requests, group notification-service, 24 h reminders, UTC', () => {
    const config = loadNotificationsConfig({}, {});
    assert.equal(config.http.port, 8084);
    assert.equal(config.kafka.topics.notificationRequests, 'notification-requests');
    assert.equal(config.consumer.groupId, 'notification-service');
    assert.equal(config.reminders.leadTimeMinutes, 1440);
    assert.equal(config.mail.timezone, 'UTC');
    assert.equal(config.mail.transport, 'smtp');
  });

  it('reads the SMTP and mail settings from the environment', () => {
    const config = loadNotificationsConfig(
      {},
      {
        SMTP_HOST: 'smtp.example.test',
        SMTP_PORT: '465',
        SMTP_SECURE: 'true',
        SMTP_USER: 'mailer',
        SMTP_PASSWORD: 's3cret',
        MAIL_FROM_ADDRESS: 'hello@example.test',
        MAIL_FROM_NAME: 'Example Tickets',
        MAIL_TIMEZONE: 'America/New_York',
        NOTIFICATIONS_PORT: '9999',
        NOTIFICATIONS_TOPIC: 'other-topic',
        NOTIFICATIONS_MAX_ATTEMPTS: '7',
        REMINDER_LEAD_MINUTES: '120',
        NOTIFICATIONS_RUN_WORKER: 'false',
      },
    );
    assert.deepEqual(
      [config.smtp.host, config.smtp.port, config.smtp.secure, config.smtp.user, config.smtp.password],
      ['smtp.example.test', 465, true, 'mailer', 's3cret'],
    );
    assert.equal(config.mail.fromAddress, 'hello@example.test');
    assert.equal(config.mail.fromName, 'Example Tickets');
    assert.equal(config.mail.timezone, 'America/New_York');
    assert.equal(config.http.port, 9999);
    assert.equal(config.kafka.topics.notificationRequests, 'other-topic');
    assert.equal(config.consumer.maxAttempts, 7);
    assert.equal(config.reminders.leadTimeMinutes, 120);
    assert.equal(config.worker.enabled, false);
    assert.equal((redact(config) as { smtp: { password: string } }).smtp.password, '[redacted]');
  });

  it('refuses an unknown subject placeholder, naming it', () => {
    assert.throws(
      () => loadNotificationsConfig({ mail: { subjects: { booking_confirmed: 'Hi {{first_name}}' } } }, {}),
      (err: unknown) =>
        err instanceof ConfigError && /mail\.subjects\.booking_confirmed: unknown placeholder \{\{first_name\}\}/.test(err.message),
    );
  });

  it('refuses an unknown time zone and a bad port', () => {
    assert.throws(() => loadNotificationsConfig({ mail: { timezone: 'Mars/Olympus' } }, {}), /mail\.timezone/);
    assert.throws(() => loadNotificationsConfig({}, { SMTP_PORT: 'abc' }), /smtp\.port/);
  });
});
