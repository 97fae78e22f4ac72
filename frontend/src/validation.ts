/**
 * Form validation helpers. Each returns an error message in words, or null
 * when the value is fine, so the screens can show it next to the field.
 */

// Deliberately simple: one "@", something on both sides, a dot in the domain,
// no whitespace. The server (Cognito) has the final word.
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;

export function validateEmail(value: string): string | null {
  const v = value.trim();
  if (v === '') return 'Enter your email address.';
  if (v.length > 254 || !EMAIL_RE.test(v)) return 'Enter a valid email address, like name@example.com.';
  return null;
}

export interface PasswordRule {
  id: 'length' | 'upper' | 'lower' | 'digit';
  label: string;
  test: (pw: string) => boolean;
}

export const PASSWORD_MIN = 10;

export const PASSWORD_RULES: readonly PasswordRule[] = [
  { id: 'length', label: `At least ${PASSWORD_MIN} characters`, test: (pw) => pw.length >= PASSWORD_MIN },
  { id: 'upper', label: 'An uppercase letter', test: (pw) => /[A-Z]/.test(pw) },
  { id: 'lower', label: 'A lowercase letter', test: (pw) => /[a-z]/.test(pw) },
  { id: 'digit', label: 'A digit', test: (pw) => /[0-9]/.test(pw) },
];

/** The rules a password does not meet yet (empty when it is acceptable). */
export function passwordProblems(pw: string): PasswordRule[] {
  return PASSWORD_RULES.filter((r) => !r.test(pw));
}

export function validatePassword(pw: string): string | null {
  if (pw === '') return 'Choose a password.';
  if (pw.length > 256) return 'Use at most 256 characters.';
  const missing = passwordProblems(pw);
  if (missing.length === 0) return null;
  return `Your password needs: ${missing.map((r) => r.label.toLowerCase()).join(', ')}.`;
}

/** For the log-in form: only presence, the rules are for new passwords. */
export function validateLoginPassword(pw: string): string | null {
  return pw === '' ? 'Enter your password.' : null;
}

/** Drop the spaces and dashes people type or paste ("123 456", "123-456"). */
export function normalizeCode(value: string): string {
  return value.replace(/[\s-]/g, '');
}

export function validateCode(value: string): string | null {
  const code = normalizeCode(value);
  if (code === '') return 'Enter the 6-digit code from the email.';
  if (!/^\d{6}$/.test(code)) return 'The code is exactly 6 digits.';
  return null;
}

export const NAME_MAX = 256;

export function validateName(value: string, { required }: { required: boolean }): string | null {
  const v = value.trim();
  if (v === '') return required ? 'Enter your name.' : null;
  if (v.length > NAME_MAX) return `Use at most ${NAME_MAX} characters.`;
  return null;
}

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

/** Run validators and keep only the failures. */
export function collectErrors<K extends string>(checks: Record<K, string | null>): FieldErrors<K> {
  const out: FieldErrors<K> = {};
  for (const key of Object.keys(checks) as K[]) {
    const msg = checks[key];
    if (msg) out[key] = msg;
  }
  return out;
}

export function hasErrors(errors: Record<string, string | undefined>): boolean {
  return Object.values(errors).some((v) => !!v);
}
