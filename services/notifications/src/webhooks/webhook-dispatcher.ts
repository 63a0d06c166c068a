import { randomUUID } from 'node:crypto';
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from '@ticketing/auth';
import type { Database } from '@ticketing/db';
import type { Logger } from '@ticketing/http';
import { createDueLoop } from '@ticketing/tasks';
import type { NotificationDelivery } from '../notifications/deliver-notification.ts';
import type { Clock } from '../notifications/stats.ts';
import type { Directory } from './directory.client.ts';
import type { WebhookSender } from './webhook-sender.ts';
import type { AlertRow, ClaimedDelivery, WebhooksRepository } from './webhooks.repository.ts';

export interface DispatchSettings {
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  disableAfterFailures: number;
  disableAfterMs: number;
  /** The link in the owners' email. */
  manageUrl: string;
}

export interface WebhookDispatcherDeps {
  db: Database;
  repository: WebhooksRepository;
  sender: WebhookSender;
  directory: Directory;
  delivery: Pick<NotificationDelivery, 'deliverAccountEmail'>;
  clock: Clock;
  logger: Logger;
  settings: DispatchSettings;
  /** Source of jitter in [0, 1). @defaultValue Math.random */
  random?: () => number;
}

export interface WebhookStats {
  delivered: number;
  failed_attempts: number;
  given_up: number;
  endpoints_disabled: number;
}

/**
 * Exponential backoff with jitter: attempt n waits between half and all of
 * min(retryMaxMs, retryBaseMs × 2^(n−1)), so receivers that failed together are not retried together.
 */
export function retryDelayMs(attempt: number, s: Pick<DispatchSettings, 'retryBaseMs' | 'retryMaxMs'>, random: number): number {
  const full = Math.min(s.retryMaxMs, s.retryBaseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(full / 2 + (full / 2) * random);
}

const isSuccess = (code: number | null) => code !== null && code >= 200 && code < 300;

/**
 * Sends due webhook deliveries (the shared due loop of packages/tasks, like the reminders): each
 * is claimed with a lease, POSTed with no database transaction open, then recorded in one short
 * transaction (the attempt's log row, the delivery's outcome, the endpoint's run of failures).
 * A dispatcher killed mid-attempt leaves the delivery due again once the lease passes: at least
 * once, with the same event id. An endpoint failing `disableAfterFailures` times in a row, or
 * for longer than `disableAfterMs`, is disabled in that same transaction, with an alert row that
 * a second loop turns into emails to the organization's owners.
 */
export function createWebhookDispatcher(deps: WebhookDispatcherDeps) {
  const { db, repository, sender, clock, logger, settings } = deps;
  const random = deps.random ?? Math.random;
  const stats: WebhookStats = { delivered: 0, failed_attempts: 0, given_up: 0, endpoints_disabled: 0 };

  function signatureOf(d: ClaimedDelivery, now: Date): string {
    const secrets = [d.secret];
    if (d.previous_secret && d.previous_secret_expires_at && d.previous_secret_expires_at.getTime() > now.getTime())
      secrets.push(d.previous_secret);
    return signWebhook(d.body, secrets, Math.floor(Date.now() / 1000));
  }

  async function attempt(d: ClaimedDelivery): Promise<void> {
    const startedAt = clock.now();
    const res = await sender.send({
      url: d.url,
      body: d.body,
      headers: {
        [WEBHOOK_SIGNATURE_HEADER]: signatureOf(d, startedAt),
        'Ticketing-Event-Id': d.event_id,
        'Ticketing-Event-Type': d.event_type,
        'Ticketing-Delivery-Id': d.id,
        'Ticketing-Delivery-Attempt': String(d.attempts),
      },
    });
    const ok = isSuccess(res.statusCode);
    const error = ok ? null : (res.error ?? `HTTP ${res.statusCode}`);
    let disabled = false;
    await db.transaction(async (tx) => {
      const now = clock.now();
      await repository.logAttempt(tx, {
        deliveryId: d.id,
        attempt: d.attempts,
        startedAt,
        latencyMs: res.latencyMs,
        statusCode: res.statusCode,
        error,
        succeeded: ok,
      });
      const recorded = { statusCode: res.statusCode, error, latencyMs: res.latencyMs, now };
      if (ok) {
        if (await repository.finishAttempt(tx, d.id, d.attempts, { ...recorded, status: 'delivered', nextAttemptAt: null }))
          await repository.endpointSucceeded(tx, d.endpoint_id);
        return;
      }
      const next = new Date(now.getTime() + retryDelayMs(d.attempts, settings, random()));
      const giveUp = next.getTime() > d.give_up_at.getTime();
      const mine = await repository.finishAttempt(tx, d.id, d.attempts, {
        ...recorded,
        status: giveUp ? 'failed' : 'pending',
        nextAttemptAt: giveUp ? null : next,
      });
      if (!mine) return;
      if (giveUp) stats.given_up++;
      const run = await repository.endpointFailed(tx, d.endpoint_id, now);
      if (!run) return;
      const failingMs = now.getTime() - run.failing_since.getTime();
      if (run.consecutive_failures < settings.disableAfterFailures && failingMs < settings.disableAfterMs) return;
      const reason =
        run.consecutive_failures >= settings.disableAfterFailures
          ? `${run.consecutive_failures} failed attempts in a row (last: ${error})`
          : `failing for ${Math.round(failingMs / 60_000)} minutes without a success (last: ${error})`;
      await repository.setEnabled(tx, d.endpoint_id, false, reason, now);
      await repository.insertAlert(tx, { id: randomUUID(), endpointId: d.endpoint_id, organizationId: d.organization_id, reason, now });
      disabled = true;
    });
    const log = { delivery_id: d.id, endpoint_id: d.endpoint_id, event_id: d.event_id, attempt: d.attempts, status_code: res.statusCode };
    if (ok) {
      stats.delivered++;
      logger.debug({ ...log, latency_ms: res.latencyMs }, 'webhook delivered');
    } else {
      stats.failed_attempts++;
      logger.info({ ...log, err: error }, 'webhook attempt failed');
    }
    if (disabled) {
      stats.endpoints_disabled++;
      logger.warn({ endpoint_id: d.endpoint_id }, 'webhook endpoint disabled: it kept failing');
      alerts.wake();
    }
  }

  async function nextDelivery(): Promise<boolean> {
    const d = await repository.claimDue(db, clock.now(), settings.leaseMs);
    if (!d) return false;
    await attempt(d);
    return true;
  }

  async function sendAlert(a: AlertRow): Promise<void> {
    const owners = (await deps.directory.ownersOf(a.organization_id)) ?? [];
    // The owners, and whoever registered the endpoint (they may be a manager, and are the one most likely to fix it).
    const recipients = new Map<string, string>();
    for (const o of owners) recipients.set(o.email.toLowerCase(), o.name);
    if (!recipients.has(a.created_by_email.toLowerCase())) recipients.set(a.created_by_email.toLowerCase(), '');
    for (const [email, name] of recipients) {
      const outcome = await deps.delivery.deliverAccountEmail({
        messageId: `webhook-disabled:${a.id}:${email}`,
        email: {
          type: 'webhook_endpoint_disabled',
          email_id: a.id,
          recipient_email: email,
          recipient_name: name,
          endpoint_url: a.url,
          reason: a.reason,
          link: settings.manageUrl,
        },
      });
      if (outcome.kind === 'failed' && !outcome.permanent) throw outcome.error;
      if (outcome.kind === 'failed') logger.warn({ alert_id: a.id, email, err: outcome.error.message }, 'webhook alert email refused');
    }
    await repository.finishAlert(db, a.id, 'sent', null, null);
    logger.info({ alert_id: a.id, endpoint_id: a.endpoint_id, recipients: recipients.size }, 'webhook endpoint owners emailed');
  }

  async function nextAlert(): Promise<boolean> {
    const a = await repository.claimDueAlert(db, clock.now(), settings.leaseMs);
    if (!a) return false;
    try {
      await sendAlert(a);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const give = a.attempts >= 20;
      const next = new Date(clock.now().getTime() + retryDelayMs(a.attempts, settings, random()));
      await repository.finishAlert(db, a.id, give ? 'dead' : 'pending', give ? null : next, e.message);
      logger.warn({ alert_id: a.id, attempt: a.attempts, err: e.message }, 'webhook alert not sent; will retry');
    }
    return true;
  }

  const onError = (what: string) => (err: unknown) => logger.error({ err }, `${what} pass failed`);
  const deliveries = createDueLoop({
    intervalMs: settings.pollIntervalMs,
    concurrency: settings.concurrency,
    next: nextDelivery,
    onError: onError('webhook dispatcher'),
  });
  const alerts = createDueLoop({
    intervalMs: settings.pollIntervalMs,
    concurrency: 1,
    next: nextAlert,
    onError: onError('webhook alerts'),
  });

  return {
    stats,
    start() {
      deliveries.start();
      alerts.start();
    },
    /** New deliveries are due: look now instead of at the next poll. */
    wake() {
      deliveries.wake();
    },
    /** Sends every delivery due now and then the alerts, once (tests, tools). */
    async runDue(): Promise<number> {
      const n = await deliveries.runOnce();
      await alerts.runOnce();
      return n;
    },
    async stop() {
      await Promise.all([deliveries.stop(), alerts.stop()]);
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
