import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, fieldErrorsFromDetails, type Me } from '../api';
import { Field } from '../components/Field';
import { FormError } from '../components/FormError';
import { focusFirstInvalid, Page } from '../components/Page';
import { setMe, useSession } from '../session';
import { validateName } from '../validation';
import { formatDate } from '../format';

export function ProfileScreen() {
  const session = useSession();
  const initial = session.status === 'authed' ? session.me : null;
  const [me, setLocalMe] = useState<Me | null>(initial);
  const [name, setName] = useState(initial?.name ?? '');
  const [loadError, setLoadError] = useState<unknown>(null);
  const [nameError, setNameError] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const edited = useRef(false); // typed into since the page opened: the fresh copy must not undo it

  // Fresh copy from the server (the session's may be minutes old).
  useEffect(() => {
    const ctrl = new AbortController();
    api
      .getMe(ctrl.signal)
      .then((fresh) => {
        setLocalMe(fresh);
        if (!edited.current) setName(fresh.name ?? '');
        setMe(fresh);
      })
      .catch((err: unknown) => {
        if (!ctrl.signal.aborted) setLoadError(err);
      });
    return () => ctrl.abort();
  }, []);

  const unchanged = !!me && name.trim() === (me.name ?? '').trim();

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (saving) return;
    const problem = validateName(name, { required: true }) ?? undefined;
    setNameError(problem);
    setError(null);
    setSaved(false);
    if (problem) {
      focusFirstInvalid(form.current);
      return;
    }
    setSaving(true);
    try {
      const updated = await api.updateMe({ name: name.trim() });
      setLocalMe(updated);
      setName(updated.name ?? '');
      setMe(updated);
      setSaved(true);
    } catch (err) {
      const fields = err instanceof ApiError ? fieldErrorsFromDetails(err.details) : {};
      if (fields.name) setNameError(fields.name);
      setError(err);
    } finally {
      setSaving(false);
    }
  }

  return (
    <Page title="My profile">
      {!me && !loadError && <p class="loading" role="status">Loading your profile…</p>}
      <FormError error={loadError} testid="profile-load-error" />
      {me && (
        <div class="grid-2">
          <form ref={form} class="card form" onSubmit={onSubmit} noValidate aria-busy={saving}>
            <h2>Your details</h2>
            <FormError error={error} testid="profile-error" />
            <Field
              id="profile-name"
              label="Name"
              type="text"
              autoComplete="name"
              required
              value={name}
              onValue={(v) => {
                edited.current = true;
                setName(v);
                setSaved(false);
              }}
              error={nameError}
            />
            <div class="form__actions">
              <button
                type="submit"
                class="btn btn--primary"
                disabled={saving || unchanged}
                data-testid="profile-save"
              >
                {saving ? 'Saving…' : 'Save'}
              </button>
              <span class="saved" role="status" data-testid="profile-saved">
                {saved ? 'Saved.' : ''}
              </span>
            </div>
          </form>
          <div class="card">
            <h2>Account</h2>
            <dl class="facts">
              <dt>Email</dt>
              <dd data-testid="profile-email">{me.email}</dd>
              <dt>Member since</dt>
              <dd>{formatDate(me.created_at)}</dd>
              <dt>Groups</dt>
              <dd data-testid="profile-groups">{me.groups.length ? me.groups.join(', ') : 'none'}</dd>
            </dl>
          </div>
        </div>
      )}
    </Page>
  );
}
