import type { AccountEmail, WaitlistOffer } from '@ticketing/contracts';
import type { MailAttachment } from '@ticketing/mail';
import type { BookingDetails, Notification, NotificationType } from './notification-message.ts';
import { centsToDecimal } from './notification-message.ts';
import { ticketImageCid } from './ticket-documents.ts';

export interface TemplateSettings {
  /** IANA time zone for event dates. */
  timezone: string;
  locale: string;
  currency: string;
  /** Subject templates with `{{placeholders}}`. */
  subjects: Readonly<Record<NotificationType, string>>;
  /** Signature under every email (the sender name). */
  signature: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  /** Files sent with it (a confirmation's QR codes and PDF, made by ticket-documents.ts). */
  attachments?: MailAttachment[] | undefined;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

// Reason codes the booking service may send, worded for a buyer; anything else is shown as given.
const REASONS: Record<string, string> = {
  card_declined: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  payment_declined: 'The payment was declined.',
  payment_failed: 'The payment could not be processed.',
  hold_expired: 'Your seat reservation expired before the booking could be completed.',
  hold_not_active: 'Your seat reservation was no longer valid.',
  hold_not_found: 'Your seat reservation was no longer valid.',
  seats_unavailable: 'The seats you chose were no longer available.',
  sales_closed: 'Ticket sales for this event have closed.',
};
// Failures that happen before any money is taken.
const NOT_CHARGED_REASONS = new Set(['card_declined', 'insufficient_funds', 'payment_declined', 'payment_failed']);

const ROLE_NAMES: Record<string, string> = { owner: 'an owner', manager: 'a manager', staff: 'staff', viewer: 'a viewer' };

/**
 * Tells an organization's owners that one of its webhook endpoints was disabled (it kept
 * failing). Written by this service itself (docs/webhooks.md), so it is no message contract.
 */
export interface WebhookEndpointDisabledEmail {
  type: 'webhook_endpoint_disabled';
  email_id: string;
  recipient_email: string;
  recipient_name: string;
  endpoint_url: string;
  reason: string;
  link: string;
}

/** Emails about an account or an organization, sent to one person without a booking. */
export type AccountEmailLike = AccountEmail | WebhookEndpointDisabledEmail;

/** What an account email is about, kept with its delivery row (in place of an event's name). */
export function accountEmailLabel(e: AccountEmailLike): string {
  if (e.type === 'webhook_endpoint_disabled') return e.endpoint_url.slice(0, 200);
  return e.type === 'organization_invitation' ? e.organization_name : e.type.replace('_', ' ');
}

/** Renders the emails; every interpolated value is HTML-escaped in the HTML part. */
export function createTemplates(settings: TemplateSettings) {
  const dateFormat = new Intl.DateTimeFormat(settings.locale, {
    timeZone: settings.timezone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  });
  const moneyFormats = new Map<string, Intl.NumberFormat>();
  const moneyFormat = (currency: string) => {
    let format = moneyFormats.get(currency);
    if (!format) {
      format = new Intl.NumberFormat(settings.locale, { style: 'currency', currency });
      moneyFormats.set(currency, format);
    }
    return format;
  };

  const formatDate = (d: Date) => dateFormat.format(d);
  // Formatted from the exact decimal string, never from a float.
  // In the booking's own currency (each event has one), else the configured one.
  const formatMoney = (b: BookingDetails) => moneyFormat(b.currency ?? settings.currency).format(centsToDecimal(b.totalCents));
  const seatsOf = (b: BookingDetails) => (b.seats.length > 0 ? b.seats.join(', ') : '—');

  function subject(type: NotificationType, b: BookingDetails): string {
    const values: Record<string, string> = {
      event_name: b.eventName,
      venue: b.venue,
      event_date: formatDate(b.eventDate),
      booking_id: b.bookingId,
      user_name: b.userName,
      seats: seatsOf(b),
      total_amount: formatMoney(b),
    };
    const text = settings.subjects[type].replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, key: string) => values[key] ?? '');
    // A header value: no line breaks or control characters, bounded length.
    return text
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 250);
  }

  function greeting(b: BookingDetails): string {
    return b.userName ? `Hello ${b.userName},` : 'Hello,';
  }

  function details(b: BookingDetails, withAmount: boolean): [string, string][] {
    const rows: [string, string][] = [
      ['Event', b.eventName],
      ['Venue', b.venue],
      ['Date', formatDate(b.eventDate)],
      ['Seats', seatsOf(b)],
    ];
    if (withAmount) rows.push(['Amount', formatMoney(b)]);
    rows.push(['Booking ID', b.bookingId]);
    return rows;
  }

  function moneyOutcome(b: BookingDetails): string {
    const amount = formatMoney(b);
    switch (b.paymentStatus) {
      case 'refunded':
        return `Your payment of ${amount} has been refunded in full. It can take a few business days to appear on your statement.`;
      case 'captured':
        return `You were charged ${amount}; this amount will be refunded to you in full.`;
      case 'failed':
      case 'pending':
        return 'You have not been charged.';
      case undefined:
      default:
        if (b.reason !== undefined && NOT_CHARGED_REASONS.has(b.reason.trim().toLowerCase())) return 'You have not been charged.';
        return 'If any amount was charged for this booking, it will be refunded to you in full.';
    }
  }

  function reasonText(b: BookingDetails): string {
    if (b.reason === undefined || b.reason.trim() === '') return 'We could not complete your booking.';
    return REASONS[b.reason.trim().toLowerCase()] ?? b.reason.trim();
  }

  interface Body {
    intro: string;
    rows: [string, string][];
    paragraphs: string[];
    /** Shown after the paragraphs: each ticket's seat, QR code (inline image) and code. */
    tickets?: BookingDetails['tickets'];
  }

  function compose(b: BookingDetails, subjectLine: string, body: Body): RenderedEmail {
    const tickets = body.tickets ?? [];
    const width = Math.max(...body.rows.map(([label]) => label.length)) + 2;
    const text = [
      greeting(b),
      '',
      body.intro,
      '',
      ...body.rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`),
      '',
      ...body.paragraphs.flatMap((p) => [p, '']),
      ...(tickets.length > 0 ? ['Your tickets:', ...tickets.map((t) => `Seat ${t.seat}: ${t.code}`), ''] : []),
      `— ${settings.signature}`,
      '',
    ].join('\n');
    const e = escapeHtml;
    const html = [
      '<!doctype html>',
      `<html><head><meta charset="utf-8"><title>${e(subjectLine)}</title></head>`,
      '<body style="font-family:Arial,Helvetica,sans-serif;color:#222;line-height:1.5">',
      `<p>${e(greeting(b))}</p>`,
      `<p>${e(body.intro)}</p>`,
      '<table cellpadding="4" style="border-collapse:collapse">',
      ...body.rows.map(([label, value]) => `<tr><th align="left" style="padding-right:16px">${e(label)}</th><td>${e(value)}</td></tr>`),
      '</table>',
      ...body.paragraphs.map((p) => `<p>${e(p)}</p>`),
      ...tickets.map(
        (t) =>
          `<div style="margin:16px 0"><p><strong>Seat ${e(t.seat)}</strong></p>` +
          `<img src="cid:${e(ticketImageCid(t))}" width="240" height="240" alt="QR code of the ticket for seat ${e(t.seat)}"></div>`,
      ),
      `<p style="color:#777;font-size:12px">${e(settings.signature)}</p>`,
      '</body></html>',
    ].join('\n');
    return { subject: subjectLine, text, html };
  }

  /** A header value: no line breaks or control characters, bounded length. */
  function headerText(text: string): string {
    return text
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 250);
  }

  interface AccountBody {
    intro: string;
    link?: { label: string; href: string } | undefined;
    paragraphs: string[];
  }

  function composeAccount(name: string, subjectLine: string, body: AccountBody): RenderedEmail {
    const hello = name.trim() ? `Hello ${name.trim()},` : 'Hello,';
    const text = [
      hello,
      '',
      body.intro,
      '',
      ...(body.link ? [`${body.link.label}: ${body.link.href}`, ''] : []),
      ...body.paragraphs.flatMap((p) => [p, '']),
      `— ${settings.signature}`,
      '',
    ].join('\n');
    const e = escapeHtml;
    const html = [
      '<!doctype html>',
      `<html><head><meta charset="utf-8"><title>${e(subjectLine)}</title></head>`,
      '<body style="font-family:Arial,Helvetica,sans-serif;color:#222;line-height:1.5">',
      `<p>${e(hello)}</p>`,
      `<p>${e(body.intro)}</p>`,
      ...(body.link
        ? [
            `<p><a href="${e(body.link.href)}" style="display:inline-block;padding:10px 16px;background:#1a56db;color:#fff;text-decoration:none;border-radius:4px">${e(body.link.label)}</a></p>`,
            `<p style="font-size:12px;color:#555">Or paste this address into your browser: ${e(body.link.href)}</p>`,
          ]
        : []),
      ...body.paragraphs.map((p) => `<p>${e(p)}</p>`),
      `<p style="color:#777;font-size:12px">${e(settings.signature)}</p>`,
      '</body></html>',
    ].join('\n');
    return { subject: subjectLine, text, html };
  }

  /** The email of an `account-emails` message; links are only ever http(s) (the contract checks). */
  function renderAccountEmail(m: AccountEmailLike): RenderedEmail {
    const notMe = 'If you did not ask for this, you can ignore this email: nothing changes until the link is used.';
    switch (m.type) {
      case 'email_verification':
        return composeAccount(m.recipient_name, headerText(`Confirm your email address for ${settings.signature}`), {
          intro: `Please confirm that ${m.recipient_email} is your email address.`,
          link: { label: 'Confirm my email address', href: m.link },
          paragraphs: [`The link works once, until ${formatDate(new Date(m.expires_at))}.`, notMe],
        });
      case 'password_reset':
        return composeAccount(m.recipient_name, headerText(`Reset your ${settings.signature} password`), {
          intro: 'Someone (hopefully you) asked to reset the password of your account.',
          link: { label: 'Choose a new password', href: m.link },
          paragraphs: [
            `The link works once, until ${formatDate(new Date(m.expires_at))}. Setting a new password signs you out everywhere.`,
            notMe,
          ],
        });
      case 'password_changed':
        return composeAccount(m.recipient_name, headerText(`Your ${settings.signature} password was changed`), {
          intro: 'The password of your account was just changed, and every session signed in before was signed out.',
          paragraphs: ['If this was not you, reset your password now with "Forgot password" on the sign-in page.'],
        });
      case 'organization_invitation':
        return composeAccount(m.recipient_name, headerText(`You are invited to join ${m.organization_name}`), {
          intro: `${m.inviter_name.trim() || 'A member'} invited you to join ${m.organization_name} as ${ROLE_NAMES[m.role] ?? m.role}.`,
          link: { label: 'See the invitation', href: m.link },
          paragraphs: [`The invitation is open until ${formatDate(new Date(m.expires_at))}.`],
        });
      case 'webhook_endpoint_disabled':
        return composeAccount(m.recipient_name, headerText('A webhook endpoint of your organization was disabled'), {
          intro: `We stopped sending webhooks to ${m.endpoint_url} because it kept failing: ${m.reason}.`,
          link: { label: 'See the endpoint and its delivery log', href: m.link },
          paragraphs: [
            'Events that happen while it is disabled are not sent to it. Deliveries that were waiting are kept and sent again once you enable it.',
          ],
        });
    }
  }

  /** The offer of a waiting-list entry: which seats, until when, and the link to check out. */
  function renderWaitlistOffer(m: WaitlistOffer): RenderedEmail {
    const seats = m.seats.join(', ');
    const amount = moneyFormat(m.currency).format(m.total_amount);
    return composeAccount(m.recipient_name, headerText(`Seats for ${m.event_name} are waiting for you`), {
      intro:
        `Seats came back for ${m.event_name} (${m.venue}, ${formatDate(new Date(m.event_date))}), and you are next on the waiting list: ` +
        `${seats} (${amount}) are held for you until ${formatDate(new Date(m.expires_at))}.`,
      link: { label: 'Continue to checkout', href: m.link },
      paragraphs: [
        'After that time the seats go to the next person on the list. If you no longer want them, decline the offer on the same page.',
      ],
    });
  }

  return {
    formatDate,
    formatMoney,
    renderAccountEmail,
    renderWaitlistOffer,
    render(n: Notification): RenderedEmail {
      const b = n.booking;
      const subjectLine = subject(n.type, b);
      switch (n.type) {
        case 'booking_confirmed':
          return compose(b, subjectLine, {
            intro: `Your booking for ${b.eventName} is confirmed.`,
            rows: details(b, true),
            paragraphs:
              b.tickets.length > 0
                ? [
                    'Show the QR code of each ticket at the entrance, on your phone or printed. They are also in the attached PDF (tickets.pdf).',
                  ]
                : ['Keep this email: your booking ID identifies your tickets at the entrance.'],
            tickets: b.tickets,
          });
        case 'booking_failed':
          return compose(b, subjectLine, {
            intro: `Unfortunately we could not complete your booking for ${b.eventName}.`,
            rows: [['Reason', reasonText(b)], ...details(b, true)],
            paragraphs: [moneyOutcome(b), 'The seats were not reserved for you. You are welcome to try again.'],
          });
        case 'event_cancelled':
          return compose(b, subjectLine, {
            intro: `We are sorry: ${b.eventName} on ${formatDate(b.eventDate)} has been cancelled by its organizer.`,
            rows: [...(b.reason ? ([['Reason', b.reason.trim()]] as [string, string][]) : []), ...details(b, true)],
            paragraphs: [moneyOutcome(b), 'Your tickets for this event are no longer valid.'],
          });
        case 'event_rescheduled':
          return compose(b, subjectLine, {
            intro: b.previousEventDate
              ? `${b.eventName} has moved from ${formatDate(b.previousEventDate)} to ${formatDate(b.eventDate)}.`
              : `${b.eventName} has a new date: ${formatDate(b.eventDate)}.`,
            rows: [['New date', formatDate(b.eventDate)], ...details(b, false)],
            paragraphs: ['Your booking and tickets stay valid for the new date; you need to do nothing.'],
          });
        case 'booking_cancelled': {
          const c = b.cancellation;
          const money = (cents: number) => formatMoney({ ...b, totalCents: cents });
          const rows: [string, string][] = details(b, false).filter(([label]) => label !== 'Booking ID');
          rows[3] = ['Seats cancelled', seatsOf(b)];
          if (c) {
            rows.push(['Refund', money(c.refundCents)]);
            if (c.feeCents > 0) rows.push(['Cancellation fee', money(c.feeCents)]);
            if (c.remainingSeats.length > 0) rows.push(['Seats you keep', c.remainingSeats.join(', ')]);
          }
          rows.push(['Booking ID', b.bookingId]);
          const whole = !c || c.remainingSeats.length === 0;
          return compose(b, subjectLine, {
            intro:
              c?.by === 'organizer'
                ? `The organizer of ${b.eventName} has refunded your booking.`
                : whole
                  ? `Your booking for ${b.eventName} is cancelled, as you asked.`
                  : `The seats you chose of your booking for ${b.eventName} are cancelled, as you asked.`,
            rows,
            paragraphs: [
              c && c.refundCents > 0
                ? `${money(c.refundCents)} is refunded to your payment method. It can take a few business days to appear on your statement.`
                : 'No amount is refunded for this cancellation.',
              whole ? 'Your tickets for this booking are no longer valid.' : 'The tickets of the cancelled seats are no longer valid.',
            ],
          });
        }
        case 'event_reminder':
          return compose(b, subjectLine, {
            intro: `A reminder that ${b.eventName} is coming up on ${formatDate(b.eventDate)}.`,
            rows: details(b, false),
            paragraphs: ['Bring your booking ID. Enjoy the event!'],
          });
      }
    },
  };
}

export type Templates = ReturnType<typeof createTemplates>;
