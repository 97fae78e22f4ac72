import { ApiError } from '../api';
import { Field, SubmitButton } from '../components/Field';
import { FormError, Notice } from '../components/FormError';
import { Page } from '../components/Page';
import { useForm } from '../hooks/useForm';
import { href, Link, navigate, safeNext, useLocation } from '../router';
import { logIn, useSession } from '../session';
import { validateEmail, validateLoginPassword } from '../validation';

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
  const f = useForm('login', { email: query.get('email') ?? '', password: '' });
  const { email, password } = f.values;

  const confirmed = CONFIRMED_NOTICE[query.get('confirmed') ?? ''];
  const sessionNotice = session.status === 'anon' ? session.notice : undefined;

  const onSubmit = f.handler({
    validate: () => ({ email: validateEmail(email), password: validateLoginPassword(password) }),
    send: async () => {
      await logIn(email.trim(), password);
      navigate(safeNext(query.get('next'), '/profile'), { replace: true });
    },
  });

  const notConfirmed = f.error instanceof ApiError && f.error.code === 'user_not_confirmed';

  return (
    <Page title="Log in" narrow>
      <form ref={f.form} class="card form" onSubmit={onSubmit} noValidate aria-busy={f.sending}>
        {confirmed && !f.error && (
          <Notice testid="login-confirmed">
            <p>{confirmed}</p>
          </Notice>
        )}
        {sessionNotice && !confirmed && !f.error && (
          <Notice testid="login-notice">
            <p>{sessionNotice}</p>
          </Notice>
        )}
        <FormError error={f.error} messages={MESSAGES} testid="login-error">
          {notConfirmed && (
            <p>
              <Link href={href('/confirm', { email: email.trim() })} data-testid="login-confirm-link">
                Enter your confirmation code
              </Link>
            </p>
          )}
        </FormError>
        <Field {...f.field('email')} label="Email" type="email" autoComplete="username" required />
        <Field {...f.field('password')} label="Password" type="password" autoComplete="current-password" required />
        <SubmitButton sending={f.sending} busyLabel="Logging in…" testid="login-submit">
          Log in
        </SubmitButton>
        <p class="form__alt">
          New to Herald? <Link href="/signup">Create an account</Link>
        </p>
      </form>
    </Page>
  );
}
