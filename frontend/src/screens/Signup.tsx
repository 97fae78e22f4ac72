import { api, ApiError } from '../api';
import { Field, SubmitButton } from '../components/Field';
import { FormError } from '../components/FormError';
import { Page } from '../components/Page';
import { useForm } from '../hooks/useForm';
import { href, Link, navigate } from '../router';
import { PASSWORD_RULES, validateEmail, validateName, validatePassword } from '../validation';

const MESSAGES: Record<string, string> = {
  user_exists: 'An account with this email already exists.',
};

export function SignupScreen() {
  const f = useForm('signup', { email: '', password: '', name: '' });
  const { email, password, name } = f.values;
  const onSubmit = f.handler({
    validate: () => ({ email: validateEmail(email), password: validatePassword(password), name: validateName(name, { required: false }) }),
    send: async () => {
      const cleanEmail = email.trim();
      const res = await api.signup({ email: cleanEmail, password, ...(name.trim() ? { name: name.trim() } : {}) });
      navigate(href('/confirm', { email: res.email || cleanEmail }));
    },
    refusal: (err) => (err.code === 'invalid_password' ? { password: err.message } : null),
  });

  const userExists = f.error instanceof ApiError && f.error.code === 'user_exists';

  return (
    <Page title="Create your account" narrow>
      <form ref={f.form} class="card form" onSubmit={onSubmit} noValidate aria-busy={f.sending}>
        <FormError error={f.error} messages={MESSAGES} testid="signup-error">
          {userExists && (
            <p>
              <Link href={href('/login', { email: email.trim() })}>Log in instead</Link>
            </p>
          )}
        </FormError>
        <Field {...f.field('email')} label="Email" type="email" autoComplete="email" required />
        <Field {...f.field('password')} label="Password" type="password" autoComplete="new-password" required hint={<PasswordRules password={password} />} />
        <Field {...f.field('name')} label="Name (optional)" type="text" autoComplete="name" />
        <SubmitButton sending={f.sending} busyLabel="Creating account…" testid="signup-submit">
          Sign up
        </SubmitButton>
        <p class="form__alt">
          Already have an account? <Link href="/login">Log in</Link>
        </p>
      </form>
    </Page>
  );
}

function PasswordRules({ password }: { password: string }) {
  return (
    <ul class="rules" aria-label="Password rules" data-testid="signup-password-rules">
      {PASSWORD_RULES.map((r) => {
        const ok = r.test(password);
        return (
          <li key={r.id} class={ok ? 'rules__ok' : undefined}>
            <span aria-hidden="true">{ok ? '✓' : '○'}</span> {r.label}
            <span class="visually-hidden">{ok ? ' (met)' : ' (not yet)'}</span>
          </li>
        );
      })}
    </ul>
  );
}
