// The account fields every auth form uses, with the limits the users service enforces.
import { TextField } from '../../components/ui.tsx';

export function EmailField() {
  return <TextField label="Email" name="email" type="email" autoComplete="email" required />;
}

/** `current` for logging in; `new` for choosing one (shows the length rule). */
export function PasswordField({ purpose, label = 'Password' }: { purpose: 'current' | 'new'; label?: string }) {
  return purpose === 'new' ? (
    <TextField
      label={label}
      name="password"
      type="password"
      autoComplete="new-password"
      required
      minLength={8}
      maxLength={72}
      hint="8 to 72 characters"
    />
  ) : (
    <TextField label={label} name="password" type="password" autoComplete="current-password" required />
  );
}

export function NameFields({ firstName, lastName }: { firstName?: string; lastName?: string }) {
  return (
    <>
      <TextField label="First name" name="first_name" autoComplete="given-name" required maxLength={100} defaultValue={firstName} />
      <TextField label="Last name" name="last_name" autoComplete="family-name" required maxLength={100} defaultValue={lastName} />
    </>
  );
}
