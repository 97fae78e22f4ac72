import { useRef, useState } from 'preact/hooks';
import { api, ApiError, fieldErrorsFromDetails } from '../api';
import { getConfig } from '../config';
import { Field } from '../components/Field';
import { FormError, Notice } from '../components/FormError';
import { focusFirstInvalid, Page } from '../components/Page';
import { href, Link, navigate, useLocation } from '../router';
import { collectErrors, hasErrors, normalizeCode, validateCode, validateEmail, type FieldErrors } from '../validation';

type Fields = 'email' | 'code';

const MESSAGES: Record<string, string> = {
  invalid_code: 'That code is not right, or it has expired. Check the email and try again.',
};

export function ConfirmScreen() {
  const { query } = useLocation();
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<FieldErrors<Fields>>({});
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const fromSignup = !!query.get('email');
  const local = getConfig().stage === 'local';

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (sending) return;
    const found = collectErrors<Fields>({ email: validateEmail(email), code: validateCode(code) });
    setErrors(found);
    setError(null);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    setSending(true);
    const cleanEmail = email.trim();
    try {
      await api.confirm({ email: cleanEmail, code: normalizeCode(code) });
      navigate(href('/login', { email: cleanEmail, confirmed: '1' }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'already_confirmed') {
        navigate(href('/login', { email: cleanEmail, confirmed: 'already' }));
        return;
      }
      if (err instanceof ApiError && err.code === 'invalid_code') {
        setErrors({ code: MESSAGES.invalid_code });
        focusFirstInvalid(form.current);
      } else {
        if (err instanceof ApiError) setErrors(fieldErrorsFromDetails(err.details) as FieldErrors<Fields>);
        setError(err);
      }
      setSending(false);
    }
  }

  return (
    <Page title="Confirm your email" narrow>
      <form ref={form} class="card form" onSubmit={onSubmit} noValidate aria-busy={sending}>
        {fromSignup && (
          <Notice testid="confirm-sent">
            <p>
              We sent a 6-digit code to <strong>{email}</strong>. Enter it below to activate your account.
            </p>
          </Notice>
        )}
        {local && (
          <p class="hint-local" data-testid="confirm-local-hint">
            Locally any 6-digit code works.
          </p>
        )}
        <FormError error={error} messages={MESSAGES} testid="confirm-error" />
        <Field
          id="confirm-email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onValue={setEmail}
          error={errors.email}
        />
        <Field
          id="confirm-code"
          label="Confirmation code"
          type="text"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]*"
          maxLength={7}
          required
          class="input--code"
          value={code}
          onValue={setCode}
          error={errors.code}
          hint="6 digits, from the email we sent you."
        />
        <button type="submit" class="btn btn--primary" disabled={sending} data-testid="confirm-submit">
          {sending ? 'Confirming…' : 'Confirm'}
        </button>
        <p class="form__alt">
          Already confirmed? <Link href={href('/login', { email: email.trim() })}>Log in</Link>
        </p>
      </form>
    </Page>
  );
}
