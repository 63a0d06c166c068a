// The whole platform for the browser tests, in this process, on the real PostgreSQL, Redis and
// Kafka (production adapters, like test/bad-input.test.ts): users, events, bookings with its
// outbox relay and worker, notifications (API and worker: emails, webhooks to loopback allowed),
// and the web edge serving the built app. Its own Kafka topics, group
// and Redis key prefix (one for all its services, which share token revocations) keep it apart
// from other test files.
//
// A browser test file calls useBrowserPlatform() once at the top (it starts the platform and
// Chromium before the file's tests and closes them after), opens one page per person with
// newPage(), and drives the pages with the helpers below (logIn, pickSeats, expectAccessible,
// screenshot) and the other side of the story with the api* helpers.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createLogger, type App } from '@ticketing/http';
import { apiClient, createTestDatabase, listen, testInfra, uniqueEmail, uniqueId, uniqueTopicPrefix } from '@ticketing/testing';
import { buildUsersApp, createUsersDeps, loadUsersConfig } from '@ticketing/users-service';
import { buildEventsApp, createEventsDeps, loadEventsConfig } from '@ticketing/events-service';
import {
  buildBookingsApp,
  createBookingsDeps,
  loadBookingsConfig,
  startBookingsWorker,
  startOutboxRelay,
} from '@ticketing/bookings-service';
import { buildWebApp, ensureWebBuild, loadWebConfig } from '@ticketing/web-service';
import {
  buildNotificationsApp,
  createNotificationsDeps,
  loadNotificationsConfig,
  startNotificationsWorker,
} from '@ticketing/notifications-service';
import { startTestSmtpServer, type TestSmtpServer } from '@ticketing/mail/testing';

export interface PlatformOptions {
  /**
   * Run the notification worker's webhook consumer and dispatcher (the webhooks pages' test),
   * on a database of the platform's own. Off elsewhere: no other test file's deliveries are sent.
   * @defaultValue false
   */
  webhooks?: boolean;
}

export interface Platform {
  url: string;
  api: ReturnType<typeof apiClient>;
  /** Where the notification worker sends email: the tests read the emailed links here. */
  smtp: TestSmtpServer;
  close(): Promise<void>;
}

export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  await ensureWebBuild();
  const id = uniqueTopicPrefix('webui');
  const closers: (() => Promise<void>)[] = [];
  // A platform that sends webhooks gets a database of its own: its dispatcher claims every due
  // delivery of the database it reads, other test files' included.
  const database = opts.webhooks ? await createTestDatabase(id) : undefined;
  if (database) closers.push(() => database.drop());
  const infra = { log: { level: 'silent' as const }, database: { url: database?.url ?? testInfra.databaseUrl } };
  const serve = async (app: App, close: () => Promise<void>) => {
    const url = await listen(app);
    closers.push(async () => {
      await app.close();
      await close();
    });
    return url;
  };
  try {
    const users = await createUsersDeps(
      loadUsersConfig(
        {
          ...infra,
          redis: { url: testInfra.redisUrl, keyPrefix: `${id}:` },
          bcryptRounds: 4,
          kafka: { brokers: testInfra.kafkaBrokers, clientId: id, accountEmailsTopic: `${id}.account-emails` },
          outbox: { intervalMs: 100 },
        },
        {},
      ),
    );
    const usersUrl = await serve(await buildUsersApp(users), () => users.close());
    users.relay?.start();
    users.announcer.start();

    const events = await createEventsDeps(
      loadEventsConfig(
        {
          ...infra,
          redis: { url: testInfra.redisUrl, keyPrefix: `${id}:` },
          // Its outbox reaches the bookings worker (event cancellations), on topics of this platform's own.
          kafka: {
            enabled: true,
            brokers: testInfra.kafkaBrokers,
            clientId: `${id}-events`,
            seatEventsTopic: `${id}.seat-events`,
            eventCancellationsTopic: `${id}.event-cancellations`,
            eventChangesTopic: `${id}.event-changes`,
          },
          outbox: { intervalMs: 100 },
          sweeperIntervalMs: 1000,
        },
        {},
      ),
    );
    events.relay?.start();
    events.admissions.start();
    events.waitlist.start();
    events.sweeper.start(); // expired holds are announced on the seat stream
    const eventsUrl = await serve(await buildEventsApp(events), () => events.close());

    // Account emails (verification, reset links) reach a test mailbox through the notification worker.
    const smtp = await startTestSmtpServer();
    closers.push(() => smtp.close());
    const notifications = await createNotificationsDeps(
      loadNotificationsConfig(
        {
          ...infra,
          redis: { url: testInfra.redisUrl, keyPrefix: `${id}:` },
          events: { url: eventsUrl },
          users: { url: usersUrl },
          kafka: {
            brokers: testInfra.kafkaBrokers,
            topics: {
              notificationRequests: `${id}.notification-requests`,
              accountEmails: `${id}.account-emails`,
              eventChanges: `${id}.event-changes`,
              eventCancellations: `${id}.event-cancellations`,
              bookingCancellations: `${id}.booking-cancellations`,
              ticketCheckIns: `${id}.ticket-check-ins`,
            },
          },
          consumer: { groupId: `${id}-notifications`, retryBaseMs: 50, retryMaxMs: 300 },
          smtp: { host: smtp.host, port: smtp.port },
          reminders: { enabled: false },
          // Test configuration: the webhooks pages' test receiver listens on loopback over http.
          webhooks: {
            enabled: opts.webhooks ?? false,
            groupId: `${id}-webhooks`,
            allowInsecureTargets: true,
            pollIntervalMs: 100,
            retryBaseMs: 200,
            retryMaxMs: 1000,
            timeoutMs: 5000,
          },
        },
        {},
      ),
    );
    const notificationsApp = await buildNotificationsApp(notifications);
    const notificationsWorker = await startNotificationsWorker(notifications);
    const notificationsUrl = await listen(notificationsApp);
    closers.push(async () => {
      await notificationsApp.close();
      await notificationsWorker.close();
      await notifications.close();
    });

    const bookings = await createBookingsDeps(
      loadBookingsConfig(
        {
          ...infra,
          redis: { url: testInfra.redisUrl, keyPrefix: `${id}:` },
          events: { url: eventsUrl },
          kafka: {
            brokers: testInfra.kafkaBrokers,
            clientId: id,
            topics: {
              bookingRequests: `${id}.booking-requests`,
              notificationRequests: `${id}.notification-requests`,
              eventCancellations: `${id}.event-cancellations`,
              eventChanges: `${id}.event-changes`,
              ticketCheckIns: `${id}.ticket-check-ins`,
              bookingCancellations: `${id}.booking-cancellations`,
            },
            workerGroup: `${id}-workers`,
            cancellationGroup: `${id}-cancellations`,
            rescheduleGroup: `${id}-reschedules`,
          },
          // Long enough to see "processing" first, short enough for a quick test.
          payments: { latencyMs: 500 },
          worker: { retryBaseMs: 50, retryMaxMs: 300 },
          outbox: { intervalMs: 100 },
          reconciler: { enabled: false },
        },
        {},
      ),
    );
    const bookingsApp = await buildBookingsApp(bookings);
    const relay = startOutboxRelay(bookings);
    const worker = await startBookingsWorker(bookings);
    const bookingsUrl = await listen(bookingsApp);
    closers.push(async () => {
      await bookingsApp.close();
      await worker.close();
      await relay.close();
      await bookings.close();
    });

    const web = await buildWebApp({
      config: loadWebConfig(
        {
          log: { level: 'silent' },
          upstreams: { users: usersUrl, events: eventsUrl, bookings: bookingsUrl, notifications: notificationsUrl },
        },
        {},
      ),
      logger: createLogger('web', 'silent'),
    });
    const url = await listen(web);
    closers.push(() => web.close());
    return {
      url,
      api: apiClient(url),
      smtp,
      async close() {
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) await close();
    throw err;
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Runs axe-core in the page; returns the serious and critical violations (none expected). */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath });
  // A string, so this file needs no DOM types: it runs in the page.
  const violations = await page.evaluate<
    { id: string; impact: string; help: string; targets: string[] }[]
  >(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.join(', ')}`);
}

export const screenshotDir = path.resolve(import.meta.dirname, '../../docs/screenshots');

/** Browser window sizes: a laptop (the default of newPage) and a phone held upright. */
export const viewports = { desktop: { width: 1200, height: 900 }, phone: { width: 390, height: 844 } } as const;

/** The running platform as a test sees it (the suite closes it, not the test). */
export type TestPlatform = Omit<Platform, 'close'>;

export interface BrowserSuite {
  /** This file's platform; usable inside tests and hooks (it starts in the suite's `before`). */
  platform: TestPlatform;
  /**
   * A page in a browser context of its own (one person: own storage, own session), with the
   * platform as base URL and a 20 s default timeout. `page.context()` reaches the context (for
   * `setOffline`, routes, permissions). Every context is closed after the file's tests.
   * @defaultValue viewport: `viewports.desktop`
   */
  newPage(this: void, viewport?: { width: number; height: number }): Promise<Page>;
}

/**
 * Starts the platform and Chromium before the calling file's tests and closes both after them.
 * Call it once, at the top level of a browser test file.
 */
export function useBrowserPlatform(opts: PlatformOptions = {}): BrowserSuite {
  let started: Platform | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  before(
    async () => {
      started = await startPlatform(opts);
      browser = await launchBrowser();
    },
    { timeout: 240_000 },
  );
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await started?.close();
  });
  const running = () => {
    if (!started) throw new Error('the platform starts in before(): use it inside a test');
    return started;
  };
  return {
    platform: {
      get url() {
        return running().url;
      },
      get api() {
        return running().api;
      },
      get smtp() {
        return running().smtp;
      },
    },
    async newPage(viewport = viewports.desktop) {
      running();
      const context = await browser!.newContext({ viewport, baseURL: started!.url });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      return page;
    },
  };
}

/** Logs in through the login page and waits until the app shows the person logged in. */
export async function logIn(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/** Opens an event's page and waits for its live seat stream. */
export async function openEvent(page: Page, eventId: string): Promise<void> {
  await page.goto(`/events/${eventId}`);
  await page.getByText('● Live').waitFor();
}

/** Picks seats on the event page with the keyboard-friendly seat box. */
export async function pickSeats(page: Page, seats: string[]): Promise<void> {
  for (const seat of seats) {
    await page.getByLabel('Pick a seat by number').fill(seat);
    await page.getByRole('button', { name: 'Pick seat' }).click();
    await page.getByRole('list', { name: 'Chosen seats' }).getByText(seat, { exact: false }).waitFor();
  }
}

/** Fails with the list of serious and critical axe-core violations of the page, if any. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  assert.deepEqual(await seriousA11yViolations(page), [], `${what}: accessibility violations`);
}

/** Saves the page as docs/screenshots/<name>.png (only for pages the docs show). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}

/** A registered user with a token, made through the API (for the other side of a story). */
export async function apiUser(platform: TestPlatform, first = 'Alex', last = 'Buyer') {
  const email = uniqueEmail(first.toLowerCase());
  const password = 'correct horse battery';
  const reg = await platform.api('POST', '/api/users/register', { body: { email, password, first_name: first, last_name: last } });
  if (reg.status !== 201) throw new Error(`register: ${reg.text}`);
  const login = await platform.api('POST', '/api/users/login', { body: { email, password } });
  return { email, password, token: login.body.access_token as string, userId: login.body.user.user_id as string };
}

export async function apiEvent(platform: TestPlatform, token: string, extra: Record<string, unknown> = {}) {
  const res = await platform.api('POST', '/api/events', {
    token,
    body: {
      name: uniqueId('Jazz Night'),
      description: 'An evening of live jazz.',
      venue: 'Blue Note Hall',
      city: 'Lyon',
      category: 'concert',
      event_date: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      total_seats: 60,
      seats_per_row: 12,
      price_per_seat: 25,
      ...extra,
    },
  });
  if (res.status !== 201) throw new Error(`event: ${res.text}`);
  return res.body as { event_id: string; name: string };
}

/** Holds `seats` through the API. */
export async function apiHold(platform: TestPlatform, token: string, eventId: string, seats: string[]) {
  const hold = await platform.api('POST', `/api/events/${eventId}/hold`, { token, body: { seat_numbers: seats } });
  assert.equal(hold.status, 201, hold.text);
  return hold.body as { hold_id: string; total_price: number; seats: string[] };
}

/** Pays a hold with the simulated card through the API; returns the booking id (still processing). */
export async function apiPay(platform: TestPlatform, token: string, hold: { hold_id: string; total_price: number }): Promise<string> {
  const booking = await platform.api('POST', '/api/booking', {
    token,
    body: { hold_id: hold.hold_id, payment_info: { payment_method: 'credit_card', amount: hold.total_price } },
  });
  assert.equal(booking.status, 202, booking.text);
  return booking.body.booking_id as string;
}

/** Waits (up to 20 s) until the booking is confirmed; fails on any other final status. */
export async function waitForConfirmed(platform: TestPlatform, token: string, bookingId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const status = await platform.api('GET', `/api/booking/${bookingId}`, { token });
    if (status.body.status === 'confirmed') return;
    assert.equal(status.body.status, 'processing', status.text);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the booking was not confirmed in time');
}
