// The account pages in a real browser, against the real services (test/web/platform.ts): the
// emailed links are read from the test SMTP server the notification worker sends to. Each test is
// a person's story; pages are found by roles and labels and pass axe-core.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiUser, expectAccessible, logIn, useBrowserPlatform } from './web/platform.ts';

const { platform, newPage } = useBrowserPlatform();

/** The path and fragment of the link in the newest email to `address` whose subject matches. */
async function emailedLink(address: string, subject: RegExp, count = 1): Promise<string> {
  const started = Date.now();
  for (;;) {
    const mails = platform.smtp.to(address).filter((m) => subject.test(m.parsed.subject ?? ''));
    if (mails.length >= count) {
      const link = /https?:\/\/\S+/.exec(mails.at(-1)!.parsed.text ?? '')?.[0];
      assert.ok(link, 'the email has a link');
      const url = new URL(link);
      return url.pathname + url.hash;
    }
    assert.ok(Date.now() - started < 30_000, `an email "${subject.source}" to ${address}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('account pages', () => {
  it('a new user verifies the address from the emailed link', async () => {
    const user = await apiUser(platform, 'Vera', 'Verifier');
    const page = await newPage();
    await logIn(page, user);
    await page.goto('/profile');
    await page.getByText('(not verified yet)').waitFor();

    await page.goto(await emailedLink(user.email, /Confirm your email address/));
    await page.getByText(`Thank you: ${user.email} is verified.`).waitFor();
    assert.ok(!page.url().includes('token='), 'the token is taken out of the address bar');
    await expectAccessible(page, 'verify email');
    await page.goto('/profile');
    await page.getByText('(verified)').waitFor();

    // The same link a second time says so, and offers a new one.
    await page.goto(await emailedLink(user.email, /Confirm your email address/));
    await page.getByText('This link is not valid or has already been used').waitFor();
    await page.getByRole('button', { name: 'Send a new verification link' }).waitFor();
  });

  it('a user who forgot the password resets it from the emailed link, once, and the old session ends', async () => {
    const user = await apiUser(platform, 'Rita', 'Reset');
    const page = await newPage();
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByRole('button', { name: 'Email me a reset link' }).click();
    await page.getByText('If this address has an account, a link to reset its password is on its way.').waitFor();
    await expectAccessible(page, 'forgot password');

    const link = await emailedLink(user.email, /Reset your/);
    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await expectAccessible(page, 'reset password');
    await page.getByLabel(/^New password/).fill('a fresh new password');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText('Your password is changed. Log in with the new one.').waitFor();

    // The token the user had before the reset is refused (by the events service behind the edge too).
    const old = await platform.api('GET', '/api/events/holds/00000000-0000-4000-8000-000000000000', { token: user.token });
    assert.equal(old.status, 401, old.text);
    await logIn(page, { email: user.email, password: 'a fresh new password' });

    // The link worked once.
    await page.goto(link);
    await page.getByLabel(/^New password/).fill('another new password');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText('This link is not valid or has already been used').waitFor();
    await page.getByRole('button', { name: 'Email me a new reset link' }).waitFor();
  });

  it('a user changes the password on the profile page and logs out; the token stops working', async () => {
    const user = await apiUser(platform, 'Carl', 'Change');
    const page = await newPage();
    await logIn(page, user);
    await page.goto('/profile');
    await page.getByLabel('Current password', { exact: true }).fill(user.password);
    await page.getByLabel(/^New password/).fill('my changed password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password is changed. Every other session was signed out.').waitFor();
    await expectAccessible(page, 'profile with password change');
    assert.equal((await platform.api('GET', '/api/users/profile', { token: user.token })).status, 401, 'the older session ended');

    // This browser goes on with the new token: the bookings page still loads its data.
    const session = await page.evaluate<string | null>("localStorage.getItem('ticketing.session')");
    const token = session ? (JSON.parse(session) as { token: string }).token : '';
    assert.equal((await platform.api('GET', '/api/users/profile', { token })).status, 200);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('link', { name: 'Log in' }).waitFor();
    const after = await platform.api('GET', '/api/users/profile', { token });
    assert.equal(after.status, 401, 'logged out: the token is revoked, not only forgotten');
  });
});
