// A walk through the shop and the box office against a running platform (embedded `npm start`
// or distributed mode), the way a person would do it by hand: it clicks through every page,
// saves a screenshot of each step and reports what went wrong (page errors, console errors,
// 5xx answers, accessibility violations). Not a test: it is for looking at the result.
//
//   node test/web/walkthrough.ts [--url http://127.0.0.1:8080] [--out /tmp/walkthrough]
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, seriousA11yViolations } from './platform.ts';

const { values } = parseArgs({
  options: { url: { type: 'string', default: 'http://127.0.0.1:8080' }, out: { type: 'string', default: '/tmp/walkthrough' } },
});
const base = values.url;
const out = path.resolve(values.out);
mkdirSync(out, { recursive: true });
const problems: string[] = [];
const stamp = Date.now();
let step = 0;

async function open(browser: Browser, who: string, viewport = { width: 1200, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport, baseURL: base });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (err) => problems.push(`${who}: page error ${err.message}`));
  page.on('console', (msg) => {
    // The browser logs every 4xx it gets; the walk provokes some (a taken seat, a wrong password).
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource: the server responded with a status of 4'))
      problems.push(`${who}: console error ${msg.text()} (${page.url()})`);
  });
  page.on('response', (res) => {
    if (res.status() >= 500) problems.push(`${who}: ${res.status()} ${res.request().method()} ${res.url()}`);
  });
  return page;
}

async function shot(page: Page, name: string, a11y = true): Promise<void> {
  step++;
  const file = path.join(out, `${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (a11y) for (const v of await seriousA11yViolations(page)) problems.push(`${name}: ${v}`);
  console.log(`${step}. ${name}: ${page.url()}`);
}

async function register(page: Page, first: string, email: string): Promise<void> {
  await page.goto('/register');
  await page.getByLabel('First name').fill(first);
  await page.getByLabel('Last name').fill('Walker');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('walk-through-1');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

const browser = await launchBrowser();
try {
  // The organizer creates an event in the box office.
  const org = await open(browser, 'organizer');
  await register(org, 'Olivia', `olivia-${stamp}@walk.test`);
  await org.getByRole('link', { name: 'Box office' }).click();
  await org.getByRole('heading', { name: 'Box office' }).waitFor();
  await shot(org, 'box-office');
  await org.getByRole('link', { name: 'Create an event' }).click();
  const name = `Walk-through Quartet ${stamp}`;
  await org.getByLabel('Name', { exact: true }).fill(name);
  await org.getByLabel('Description').fill('Chamber music by candlelight.');
  await org.getByLabel('Venue').fill('Small Hall');
  await org.getByLabel('City').fill('Vienna');
  await org.getByLabel('Category').fill('classical');
  const when = new Date(Date.now() + 20 * 86_400_000);
  await org.getByLabel('Date and time').fill(`${when.toISOString().slice(0, 10)}T19:30`);
  const section = org.getByRole('group', { name: 'Section 1' });
  await section.getByLabel('Section name').fill('Stalls');
  await section.getByLabel('Rows').fill('5');
  await section.getByLabel('Seats per row').fill('12');
  await section.getByLabel('Price per seat').fill('42');
  await org.getByText('60 seats in all').waitFor();
  await org.getByLabel('Currency').selectOption('EUR');
  await shot(org, 'create-event');
  await org.getByRole('button', { name: 'Create event' }).click();
  await org.getByRole('heading', { name: `Sales: ${name}` }).waitFor();
  await org.getByText('● Live').waitFor();
  const eventId = org.url().split('/').pop()!;
  await shot(org, 'sales-empty');

  // A buyer finds it, picks seats with the mouse and the keyboard, holds them and pays.
  const buyer = await open(browser, 'buyer');
  await buyer.goto('/');
  await buyer.getByRole('heading', { name: 'Find an event' }).waitFor();
  await buyer.getByLabel('City').fill('Vienna');
  await buyer.getByLabel('Event name').fill('Walk-through');
  await buyer.getByRole('button', { name: /Search/ }).click();
  await buyer.getByRole('link', { name }).waitFor();
  await shot(buyer, 'search');
  await buyer.getByRole('link', { name }).click();
  await buyer.getByRole('heading', { name }).waitFor();
  const canvas = buyer.getByRole('img', { name: /Seat map/ });
  await canvas.waitFor();
  await shot(buyer, 'event-logged-out');
  await register(buyer, 'Bruno', `bruno-${stamp}@walk.test`);
  await buyer.goto(`/events/${eventId}`);
  await canvas.waitFor();
  // Keyboard: focus the map, move right twice, pick.
  await canvas.focus();
  await buyer.keyboard.press('ArrowRight');
  await buyer.keyboard.press('ArrowRight');
  await buyer.keyboard.press('Enter');
  await buyer.getByRole('list', { name: 'Chosen seats' }).getByText('A3').waitFor();
  // Mouse: click the map (wherever a seat is) and by number.
  await buyer.getByLabel('Pick a seat by number').fill('b5');
  await buyer.getByRole('button', { name: 'Pick seat' }).click();
  await buyer.getByRole('list', { name: 'Chosen seats' }).getByText('B5').waitFor();
  await shot(buyer, 'seats-chosen');
  await buyer.getByRole('button', { name: /^Hold \d+ seats?$/ }).click();
  await buyer.getByRole('heading', { name: 'Checkout' }).waitFor();
  await buyer.getByRole('timer').waitFor();
  await shot(buyer, 'checkout');
  await org.getByText(/Held (A3, B5|B5, A3)/).waitFor();
  await buyer.getByLabel(/Test card/).check();
  await buyer.getByRole('button', { name: /^Pay/ }).click();
  await buyer.getByRole('heading', { name: 'Your booking' }).waitFor();
  await shot(buyer, 'booking-processing', false);
  await buyer
    .getByText(/confirmed/i)
    .first()
    .waitFor({ timeout: 60_000 });
  await shot(buyer, 'booking-confirmed');
  await org.getByText(/Sold (A3, B5|B5, A3)/).waitFor({ timeout: 60_000 });
  await shot(org, 'sales-live');

  // A second buyer races for a seat the first one takes: alternatives are offered.
  const racer = await open(browser, 'racer', { width: 390, height: 844 });
  await register(racer, 'Rita', `rita-${stamp}@walk.test`);
  await racer.goto(`/events/${eventId}`);
  await racer.getByRole('img', { name: /Seat map/ }).waitFor();
  await racer.getByLabel('Pick a seat by number').fill('C1');
  await racer.getByRole('button', { name: 'Pick seat' }).click();
  await buyer.goto(`/events/${eventId}`);
  await buyer.getByLabel('Pick a seat by number').fill('C1');
  await buyer.getByRole('button', { name: 'Pick seat' }).click();
  await buyer.getByRole('button', { name: /^Hold \d+ seats?$/ }).click();
  await buyer.getByRole('heading', { name: 'Checkout' }).waitFor();
  await racer.getByText('just taken by someone else').waitFor();
  await racer.getByRole('button', { name: /^Hold \d+ seats?$/ }).click();
  await racer.getByRole('alert').first().waitFor();
  await shot(racer, 'phone-seat-taken-alternatives');
  const take = racer.getByRole('button', { name: /^Choose .* instead$/ });
  if (await take.count()) {
    await take.click();
    await racer.getByRole('button', { name: /^Hold \d+ seats?$/ }).click();
    await racer.getByRole('heading', { name: 'Checkout' }).waitFor();
    await shot(racer, 'phone-checkout');
    await racer.getByLabel(/Declined card/).check();
    await racer.getByRole('button', { name: /^Pay/ }).click();
    await racer
      .getByText(/failed|declined/i)
      .first()
      .waitFor({ timeout: 60_000 });
    await shot(racer, 'phone-booking-failed');
  } else problems.push('racer: no button to take the alternatives');

  // My bookings, profile, log out, log in again.
  await buyer.getByRole('link', { name: 'My bookings' }).click();
  await buyer.getByRole('heading', { name: 'My bookings' }).waitFor();
  await shot(buyer, 'my-bookings');
  await buyer
    .getByRole('link', { name: /Profile|Bruno/ })
    .first()
    .click();
  await buyer.getByRole('heading', { name: 'Your profile' }).waitFor();
  await buyer.getByLabel('Last name').fill('Wanderer');
  await buyer.getByRole('button', { name: 'Save profile' }).click();
  await buyer.getByText('Your profile is saved.').waitFor();
  await shot(buyer, 'profile');
  await buyer.getByRole('button', { name: 'Log out' }).click();
  await buyer
    .getByRole('link', { name: /Log in/ })
    .first()
    .waitFor();
  await buyer.goto('/login');
  await buyer.getByLabel('Email').fill(`bruno-${stamp}@walk.test`);
  await buyer.getByLabel('Password').fill('wrong password');
  await buyer.getByRole('button', { name: 'Log in' }).click();
  await buyer.getByRole('alert').waitFor();
  await shot(buyer, 'login-wrong-password');
  await buyer.getByLabel('Password').fill('walk-through-1');
  await buyer.getByRole('button', { name: 'Log in' }).click();
  await buyer.getByRole('button', { name: 'Log out' }).waitFor();

  // Keyboard only on a phone-sized screen: from the top of the event page, Tab reaches the map.
  const keys = await open(browser, 'keyboard', { width: 390, height: 844 });
  await keys.goto(`/events/${eventId}`);
  await keys.getByRole('img', { name: /Seat map/ }).waitFor();
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await keys.keyboard.press('Tab');
    reached = await keys.evaluate(`document.activeElement?.getAttribute('role') === 'img'`);
  }
  if (!reached) problems.push('keyboard: 40 Tabs never reached the seat map');
  await keys.keyboard.press('ArrowDown');
  await keys.keyboard.press('Enter');
  await shot(keys, 'phone-keyboard-seat');
} catch (err) {
  problems.push(`stopped: ${(err as Error).message.split('\n')[0]}`);
} finally {
  await browser.close();
}
console.log(problems.length === 0 ? 'no problems seen' : `problems:\n- ${problems.join('\n- ')}`);
console.log(`screenshots in ${out}`);
process.exit(problems.length === 0 ? 0 : 1);
