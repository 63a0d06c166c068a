import { useState } from 'react';
import { ErrorMessage } from '../../components/ui.tsx';

/** What the booking API gives the buyer while their bank asks them to confirm a payment. */
export interface PaymentAction {
  provider: 'stripe' | 'simulated';
  client_secret: string;
  publishable_key?: string;
}

interface StripeJs {
  handleNextAction(options: { clientSecret: string }): Promise<{ error?: { message?: string }; paymentIntent?: { status: string } }>;
}
type StripeFactory = (publishableKey: string) => StripeJs;

let stripeJs: Promise<StripeFactory> | undefined;

/** Stripe.js from Stripe (it must be loaded from js.stripe.com), only when a booking needs it. */
function loadStripeJs(): Promise<StripeFactory> {
  stripeJs ??= new Promise<StripeFactory>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = 'https://js.stripe.com/v3/';
    script.async = true;
    script.onload = () => {
      const factory = (window as unknown as { Stripe?: StripeFactory }).Stripe;
      if (factory) resolve(factory);
      else reject(new Error('Stripe.js did not load'));
    };
    script.onerror = () => {
      stripeJs = undefined;
      reject(new Error('Stripe.js could not be loaded; check your connection and try again'));
    };
    document.head.appendChild(script);
  });
  return stripeJs;
}

/**
 * The buyer finishes a payment their bank wants to confirm (3-D Secure). With Stripe and a
 * publishable key, Stripe.js opens the bank's check; the booking then follows the outcome live
 * (Stripe's webhook settles it). Without one, the page says what happens instead.
 */
export function PaymentActionPanel({ action }: { action: PaymentAction }) {
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState('');

  if (action.provider !== 'stripe' || !action.publishable_key) {
    return (
      <p className="notice">
        Your bank asks you to confirm this payment, and this shop cannot open the bank’s check here. If it is not confirmed in time, the
        booking is cancelled and nothing is charged.
      </p>
    );
  }
  const key = action.publishable_key;
  const confirm = async () => {
    setBusy(true);
    setError('');
    try {
      const stripe = (await loadStripeJs())(key);
      const result = await stripe.handleNextAction({ clientSecret: action.client_secret });
      if (result.error) setError(result.error.message ?? 'Your bank did not confirm the payment.');
      else setDone(true);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="payment-action">
      {done ? (
        <p>Thank you. Your bank answered; the booking updates here in a moment.</p>
      ) : (
        <button type="button" className="primary" onClick={() => void confirm()} disabled={busy}>
          {busy ? 'Opening your bank’s check…' : 'Confirm the payment with your bank'}
        </button>
      )}
      <ErrorMessage>{error}</ErrorMessage>
    </div>
  );
}
