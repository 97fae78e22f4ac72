import { api, ApiError } from '../api';
import { getConfig } from '../config';
import { Field, SubmitButton } from '../components/Field';
import { FormError, Notice } from '../components/FormError';
import { Page } from '../components/Page';
import { useForm } from '../hooks/useForm';
import { href, Link, navigate, useLocation } from '../router';
import { normalizeCode, validateCode, validateEmail } from '../validation';

const MESSAGES: Record<string, string> = {
  invalid_code: 'That code is not right, or it has expired. Check the email and try again.',
};

export function ConfirmScreen() {
  const { query } = useLocation();
  const f = useForm('confirm', { email: query.get('email') ?? '', code: '' });
  const { email, code } = f.values;
  const fromSignup = !!query.get('email');
  const local = getConfig().stage === 'local';

  const onSubmit = f.handler({
    validate: () => ({ email: validateEmail(email), code: validateCode(code) }),
    send: async () => {
      const cleanEmail = email.trim();
      try {
        await api.confirm({ email: cleanEmail, code: normalizeCode(code) });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'already_confirmed')) throw err;
        navigate(href('/login', { email: cleanEmail, confirmed: 'already' }));
        return;
      }
      navigate(href('/login', { email: cleanEmail, confirmed: '1' }));
    },
    refusal: (err) => (err.code === 'invalid_code' ? { code: MESSAGES.invalid_code } : null),
  });

  return (
    <Page title="Confirm your email" narrow>
      <form ref={f.form} class="card form" onSubmit={onSubmit} noValidate aria-busy={f.sending}>
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
        <FormError error={f.error} messages={MESSAGES} testid="confirm-error" />
        <Field {...f.field('email')} label="Email" type="email" autoComplete="email" required />
        <Field
          {...f.field('code')}
          label="Confirmation code"
          type="text"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]*"
          maxLength={7}
          required
          class="input--code"
          hint="6 digits, from the email we sent you."
        />
        <SubmitButton sending={f.sending} busyLabel="Confirming…" testid="confirm-submit">
          Confirm
        </SubmitButton>
        <p class="form__alt">
          Already confirmed? <Link href={href('/login', { email: email.trim() })}>Log in</Link>
        </p>
      </form>
    </Page>
  );
}
