/** The preference centre behind {{ preferences_url }}: no login, the signed link is the credential.
 * The reader picks the sender's public lists, changes their name, leaves everything, downloads
 * everything held about them, or erases it. */
import { useEffect, useState } from 'preact/hooks';
import { api, type Preferences } from '../api';
import { CheckboxField } from '../components/CheckboxField';
import { ConfirmAction } from '../components/Dialog';
import { Field, SubmitActions } from '../components/Field';
import { FormError, Notice } from '../components/FormError';
import { Page } from '../components/Page';
import { useForm } from '../hooks/useForm';

const MESSAGES: Record<string, string> = {
  invalid_preferences_link: 'This link is not valid: it may have been cut short or changed. Use the link from a more recent email.',
  address_erased: 'This address was erased: it cannot be subscribed again.',
  list_not_found: 'One of these lists no longer exists; reload the page.',
};

/** The two confirmed actions on everything held about the reader; `preferences-<ask>` is the button and the dialog. */
type Ask = 'unsubscribe-all' | 'erase';
const ASKS: Record<Ask, { title: string; confirmLabel: string; busyLabel: string }> = {
  'unsubscribe-all': { title: 'Unsubscribe from everything?', confirmLabel: 'Unsubscribe', busyLabel: 'Unsubscribing…' },
  erase: { title: 'Erase everything about you?', confirmLabel: 'Erase', busyLabel: 'Erasing…' },
};

export function PreferencesScreen({ params }: { params: Record<string, string> }) {
  const token = params.token ?? '';
  const [prefs, setPrefs] = useState<Preferences | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  useEffect(() => {
    api.getPreferences(token).then(setPrefs, setLoadError);
  }, [token]);
  return (
    <Page title="Your subscription" narrow>
      <FormError error={loadError} testid="preferences-error" messages={MESSAGES} />
      {!prefs && !loadError && (
        <p class="loading" role="status">
          Checking the link…
        </p>
      )}
      {prefs && <PreferencesForm token={token} prefs={prefs} onChange={setPrefs} key={prefs.erased ? 'erased' : 'live'} />}
    </Page>
  );
}

function PreferencesForm({ token, prefs, onChange }: { token: string; prefs: Preferences; onChange: (p: Preferences) => void }) {
  const f = useForm('preferences', { name: prefs.name });
  const [wanted, setWanted] = useState<Record<string, boolean>>(() => Object.fromEntries(prefs.lists.map((l) => [l.id, l.subscribed])));
  const [asking, setAsking] = useState<Ask | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const onSubmit = f.handler({
    send: async () => {
      const saved = await api.updatePreferences(token, { name: f.values.name.trim(), lists: wanted });
      onChange(saved);
      return saved;
    },
  });

  if (prefs.erased) {
    return (
      <div class="card form">
        <Notice testid="preferences-erased">
          <p>
            Everything about <strong>{prefs.email}</strong> was erased. This address will not be mailed again.
          </p>
        </Notice>
      </div>
    );
  }

  return (
    <div class="stack">
      <form ref={f.form} class="card form" onSubmit={onSubmit} noValidate aria-busy={f.sending}>
        <p>
          Email address: <strong data-testid="preferences-email">{prefs.email}</strong>
        </p>
        {done && <Notice testid="preferences-done">{done}</Notice>}
        <FormError error={f.error} testid="preferences-save-error" messages={MESSAGES} />
        <Field {...f.field('name')} label="Your name" type="text" maxLength={200} autoComplete="name" />
        <fieldset class="checks checks--stack">
          <legend>What you receive</legend>
          {prefs.lists.length === 0 && <p class="muted small">This sender has no list you can choose here.</p>}
          {prefs.lists.map((l) => (
            <CheckboxField
              key={l.id}
              id={`preferences-list-${l.id}`}
              testid="preferences-list"
              checked={!!wanted[l.id]}
              onChecked={(v) => {
                setWanted((w) => ({ ...w, [l.id]: v }));
                f.setResult(null);
              }}
              hint={l.description || undefined}
            >
              {l.name}
            </CheckboxField>
          ))}
        </fieldset>
        {prefs.other_lists > 0 && (
          <p class="muted small">You are also on {prefs.other_lists} list(s) you cannot choose here; “Unsubscribe from everything” leaves them too.</p>
        )}
        <SubmitActions sending={f.sending} busyLabel="Saving…" testid="preferences-save" label="Save my choices" done={f.result ? 'Saved.' : ''} doneTestid="preferences-saved" />
      </form>

      <section class="card form" aria-labelledby="preferences-more">
        <h2 id="preferences-more">Your data</h2>
        <div class="form__actions form__actions--wrap">
          <button type="button" class="btn" onClick={() => setAsking('unsubscribe-all')} data-testid="preferences-unsubscribe-all">
            Unsubscribe from everything
          </button>
          <a class="btn" href={api.preferencesExportUrl(token)} download="my-data.json" data-testid="preferences-download">
            Download my data
          </a>
          <button type="button" class="btn btn--danger-outline" onClick={() => setAsking('erase')} data-testid="preferences-erase">
            Erase my data
          </button>
        </div>
      </section>

      {asking && (
        <ConfirmAction
          {...ASKS[asking]}
          action={async () => {
            if (asking === 'erase') {
              await api.erasePreferences(token);
              onChange({ ...prefs, erased: true });
              return;
            }
            const after = await api.unsubscribeEverywhere(token);
            onChange(after);
            setWanted(Object.fromEntries(after.lists.map((l) => [l.id, l.subscribed])));
            setDone('You are unsubscribed from every list of this sender.');
          }}
          onDone={() => setAsking(null)}
          onCancel={() => setAsking(null)}
          testid={`preferences-${asking}`}
          messages={MESSAGES}
        >
          {asking === 'erase' ? (
            <p>
              Your subscriptions, your details and the record of what was sent to you are deleted. Only a one-way fingerprint of {prefs.email} is kept, so
              it is never mailed again. This cannot be undone.
            </p>
          ) : (
            <p>{prefs.email} will get no more emails from this sender.</p>
          )}
        </ConfirmAction>
      )}
    </div>
  );
}
