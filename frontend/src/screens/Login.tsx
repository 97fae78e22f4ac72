import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { Field } from '../components/Field';
import { FormError, Notice } from '../components/FormError';
import { focusFirstInvalid, Page } from '../components/Page';
import { href, Link, navigate, safeNext, useLocation } from '../router';
import { logIn, useSession } from '../session';
import { collectErrors, hasErrors, validateEmail, validateLoginPassword, type FieldErrors } from '../validation';

type Fields = 'email' | 'password';

const MESSAGES: Record<string, string> = {
  invalid_credentials: 'The email or password is not right.',
  user_not_confirmed: 'This account is not confirmed yet. Enter the code from the email first.',
};

const CONFIRMED_NOTICE: Record<string, string> = {
  '1': 'Your account is confirmed. Log in to continue.',
  already: 'Your account was already confirmed. Log in to continue.',
};

export function LoginScreen() {
  const { query } = useLocation();
  const session = useSession();
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors<Fields>>({});
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const confirmed = CONFIRMED_NOTICE[query.get('confirmed') ?? ''];
  const sessionNotice = session.status === 'anon' ? session.notice : undefined;

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (sending) return;
    const found = collectErrors<Fields>({ email: validateEmail(email), password: validateLoginPassword(password) });
    setErrors(found);
    setError(null);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    setSending(true);
    try {
      await logIn(email.trim(), password);
      navigate(safeNext(query.get('next'), '/profile'), { replace: true });
    } catch (err) {
      setError(err);
      setSending(false);
    }
  }

  const notConfirmed = error instanceof ApiError && error.code === 'user_not_confirmed';

  return (
    <Page title="Log in" narrow>
      <form ref={form} class="card form" onSubmit={onSubmit} noValidate aria-busy={sending}>
        {confirmed && !error && (
          <Notice testid="login-confirmed">
            <p>{confirmed}</p>
          </Notice>
        )}
        {sessionNotice && !confirmed && !error && (
          <Notice testid="login-notice">
            <p>{sessionNotice}</p>
          </Notice>
        )}
        <FormError error={error} messages={MESSAGES} testid="login-error">
          {notConfirmed && (
            <p>
              <Link href={href('/confirm', { email: email.trim() })} data-testid="login-confirm-link">
                Enter your confirmation code
              </Link>
            </p>
          )}
        </FormError>
        <Field
          id="login-email"
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onValue={setEmail}
          error={errors.email}
        />
        <Field
          id="login-password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
          error={errors.password}
        />
        <button type="submit" class="btn btn--primary" disabled={sending} data-testid="login-submit">
          {sending ? 'Logging in…' : 'Log in'}
        </button>
        <p class="form__alt">
          New to Herald? <Link href="/signup">Create an account</Link>
        </p>
      </form>
    </Page>
  );
}
