import { useRef, useState } from 'preact/hooks';
import { api, ApiError, fieldErrorsFromDetails } from '../api';
import { Field } from '../components/Field';
import { FormError } from '../components/FormError';
import { focusFirstInvalid, Page } from '../components/Page';
import { href, Link, navigate } from '../router';
import {
  collectErrors,
  hasErrors,
  PASSWORD_RULES,
  validateEmail,
  validateName,
  validatePassword,
  type FieldErrors,
} from '../validation';

type Fields = 'email' | 'password' | 'name';

const MESSAGES: Record<string, string> = {
  user_exists: 'An account with this email already exists.',
};

export function SignupScreen() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<FieldErrors<Fields>>({});
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (sending) return;
    const found = collectErrors<Fields>({
      email: validateEmail(email),
      password: validatePassword(password),
      name: validateName(name, { required: false }),
    });
    setErrors(found);
    setError(null);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    setSending(true);
    try {
      const cleanEmail = email.trim();
      const res = await api.signup({ email: cleanEmail, password, ...(name.trim() ? { name: name.trim() } : {}) });
      navigate(href('/confirm', { email: res.email || cleanEmail }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_password') {
        setErrors({ password: err.message });
        focusFirstInvalid(form.current);
      } else {
        if (err instanceof ApiError) setErrors(fieldErrorsFromDetails(err.details) as FieldErrors<Fields>);
        setError(err);
      }
      setSending(false);
    }
  }

  const userExists = error instanceof ApiError && error.code === 'user_exists';

  return (
    <Page title="Create your account" narrow>
      <form ref={form} class="card form" onSubmit={onSubmit} noValidate aria-busy={sending}>
        <FormError error={error} messages={MESSAGES} testid="signup-error">
          {userExists && (
            <p>
              <Link href={href('/login', { email: email.trim() })}>Log in instead</Link>
            </p>
          )}
        </FormError>
        <Field
          id="signup-email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onValue={setEmail}
          error={errors.email}
        />
        <Field
          id="signup-password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onValue={setPassword}
          error={errors.password}
          hint={<PasswordRules password={password} />}
        />
        <Field
          id="signup-name"
          label="Name (optional)"
          type="text"
          autoComplete="name"
          value={name}
          onValue={setName}
          error={errors.name}
        />
        <button type="submit" class="btn btn--primary" disabled={sending} data-testid="signup-submit">
          {sending ? 'Creating account…' : 'Sign up'}
        </button>
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
