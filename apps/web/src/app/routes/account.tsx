import { PageTitle } from '../../components/ui.tsx';
import { RequestLinkForm, ResetPasswordForm, VerifyEmail } from '../../features/auth/account-forms.tsx';
import { Link, navigate } from '../../lib/router.tsx';

export function VerifyEmailPage() {
  return (
    <>
      <PageTitle>Verify your email address</PageTitle>
      <VerifyEmail />
    </>
  );
}

export function ForgotPasswordPage() {
  return (
    <>
      <PageTitle>Forgot your password?</PageTitle>
      <p>Enter the address of your account: we email you a link to choose a new password.</p>
      <RequestLinkForm kind="reset" label="Email me a reset link" />
      <p>
        Remembered it? <Link to="/login">Log in</Link>
      </p>
    </>
  );
}

export function ResetPasswordPage() {
  return (
    <>
      <PageTitle>Choose a new password</PageTitle>
      <ResetPasswordForm onDone={() => navigate('/login?reset=1', true)} />
    </>
  );
}
