import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Me } from '../api';
import { Field } from '../components/Field';
import { FormCard } from '../components/FormCard';
import { FormError } from '../components/FormError';
import { Page } from '../components/Page';
import { useForm } from '../hooks/useForm';
import { setMe, useSession } from '../session';
import { validateName } from '../validation';
import { formatDate } from '../format';

export function ProfileScreen() {
  const session = useSession();
  const initial = session.status === 'authed' ? session.me : null;
  const [me, setLocalMe] = useState<Me | null>(initial);
  const [loadError, setLoadError] = useState<unknown>(null);
  const edited = useRef(false); // typed into since the page opened: the fresh copy must not undo it
  const f = useForm<{ name: string }, Me>('profile', { name: initial?.name ?? '' }, { onEdit: () => void (edited.current = true) });
  const { name } = f.values;

  // Fresh copy from the server (the session's may be minutes old).
  useEffect(() => {
    const ctrl = new AbortController();
    api
      .getMe(ctrl.signal)
      .then((fresh) => {
        setLocalMe(fresh);
        if (!edited.current) f.set('name', fresh.name ?? '');
        setMe(fresh);
      })
      .catch((err: unknown) => {
        if (!ctrl.signal.aborted) setLoadError(err);
      });
    return () => ctrl.abort();
  }, []);

  const unchanged = !!me && name.trim() === (me.name ?? '').trim();

  const onSubmit = f.handler({
    validate: () => ({ name: validateName(name, { required: true }) }),
    send: async () => {
      const updated = await api.updateMe({ name: name.trim() });
      setLocalMe(updated);
      f.set('name', updated.name ?? '');
      setMe(updated);
      return updated;
    },
  });

  return (
    <Page title="My profile">
      {!me && !loadError && <p class="loading" role="status">Loading your profile…</p>}
      <FormError error={loadError} testid="profile-load-error" />
      {me && (
        <div class="grid-2">
          <FormCard form={f} onSubmit={onSubmit} title="Your details" saves disabled={unchanged}>
            <Field {...f.field('name')} label="Name" type="text" autoComplete="name" required />
          </FormCard>
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
