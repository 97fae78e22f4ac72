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

/** The API's limit for a person's name (sign-up and PATCH /api/me: max_length=120). */
export const NAME_MAX = 120;

export function validateName(value: string, { required }: { required: boolean }): string | null {
  const v = value.trim();
  if (v === '') return required ? 'Enter your name.' : null;
  if (v.length > NAME_MAX) return `Use at most ${NAME_MAX} characters.`;
  return null;
}

// ---------------------------------------------------------------- contacts
// Limits from the API (app/contacts/models.py), checked here before sending.

export const LIST_NAME_MAX = 120;
export const LIST_DESCRIPTION_MAX = 1000;
export const SUBSCRIBER_NAME_MAX = 200;
export const ATTRIBUTE_KEY_MAX = 64;
export const ATTRIBUTES_MAX_BYTES = 4096;

export function validateListName(value: string): string | null {
  const v = value.trim();
  if (v === '') return 'Enter a name for the list.';
  if (v.length > LIST_NAME_MAX) return `Use at most ${LIST_NAME_MAX} characters.`;
  return null;
}

export function validateListDescription(value: string): string | null {
  return value.length > LIST_DESCRIPTION_MAX ? `Use at most ${LIST_DESCRIPTION_MAX} characters.` : null;
}

export function validateSubscriberName(value: string): string | null {
  return value.trim().length > SUBSCRIBER_NAME_MAX ? `Use at most ${SUBSCRIBER_NAME_MAX} characters.` : null;
}

/** A subscriber's email: same rule as sign-up, but the words speak of "the" address, not "your". */
export function validateContactEmail(value: string): string | null {
  const v = value.trim();
  if (v === '') return 'Enter an email address.';
  return validateEmail(v);
}

/** One key/value row of the attributes editor. `original` keeps a non-text value (number, list…) as loaded. */
export interface AttributeRow {
  key: string;
  value: string;
  original?: unknown;
}

/** How a loaded attribute value is shown in a text box. */
export function attributeText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function rowsFromAttributes(attrs: Record<string, unknown>): AttributeRow[] {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: attributeText(value), original: value }));
}

/**
 * Turn the editor's rows into the attributes object, or say what is wrong.
 * Fully empty rows are ignored; a value whose text was not touched keeps its
 * original type (so a number loaded from an import stays a number).
 */
export function attributesFromRows(
  rows: readonly AttributeRow[],
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string; row: number } {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const key = row.key.trim();
    if (key === '' && row.value.trim() === '') continue;
    if (key === '') return { ok: false, error: `Row ${i + 1}: give the attribute a name.`, row: i };
    if (key.length > ATTRIBUTE_KEY_MAX)
      return { ok: false, error: `Row ${i + 1}: attribute names are at most ${ATTRIBUTE_KEY_MAX} characters.`, row: i };
    if (Object.prototype.hasOwnProperty.call(out, key))
      return { ok: false, error: `Row ${i + 1}: "${key}" is already used by another row.`, row: i };
    const keep = row.original !== undefined && attributeText(row.original) === row.value;
    out[key] = keep ? row.original : row.value;
  }
  const bytes = new TextEncoder().encode(JSON.stringify(out)).length;
  if (bytes > ATTRIBUTES_MAX_BYTES)
    return { ok: false, error: `Attributes are too large (${bytes} bytes; at most ${ATTRIBUTES_MAX_BYTES}).`, row: -1 };
  return { ok: true, value: out };
}

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

/** Run validators and keep only the failures. */
export function collectErrors<K extends string>(checks: Partial<Record<K, string | null | undefined>>): FieldErrors<K> {
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
