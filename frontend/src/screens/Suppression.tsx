import { useRef, useState } from 'preact/hooks';
import { api, ApiError, fieldErrorsFromDetails, type Suppression, type SuppressionReason } from '../api';
import { ConfirmDialog } from '../components/Dialog';
import { Field } from '../components/Field';
import { FormError } from '../components/FormError';
import { focusFirstInvalid, Page } from '../components/Page';
import { Pager } from '../components/Pager';
import { SelectField } from '../components/SelectField';
import { formatDate } from '../format';
import { useDebounced } from '../hooks/useDebounced';
import { usePaged } from '../hooks/usePaged';
import { Link } from '../router';
import { validateContactEmail } from '../validation';

export const SUPPRESSION_PAGE_SIZE = 25;

const REASONS: Record<SuppressionReason, { label: string; tone: string }> = {
  manual: { label: 'Added by you', tone: 'muted' },
  unsubscribed: { label: 'Unsubscribed', tone: 'muted' },
  bounced: { label: 'Bounced', tone: 'danger' },
  complained: { label: 'Complained', tone: 'warn' },
};

const REASON_OPTIONS = (Object.keys(REASONS) as SuppressionReason[]).map((r) => ({ value: r, label: REASONS[r].label }));

/** "list:<id>" → a link to the list; "api" → words. */
function SourceCell({ source }: { source: string }) {
  if (source.startsWith('list:')) {
    const id = source.slice(5);
    return <Link href={`/lists/${encodeURIComponent(id)}`}>A list</Link>;
  }
  if (source === 'api') return <>Added here</>;
  return <>{source}</>;
}

export function SuppressionScreen() {
  const [search, setSearch] = useState('');
  const prefix = useDebounced(search.trim().toLowerCase(), 300);
  const page = usePaged<Suppression>(`supp|${prefix}`, (cursor) =>
    api.listSuppressions({ email_prefix: prefix, limit: SUPPRESSION_PAGE_SIZE, cursor }),
  );
  const [lifting, setLifting] = useState<Suppression | null>(null);

  return (
    <Page title="Suppression list">
      <div class="stack">
        <p class="muted">
          No campaign sends to these addresses, whatever list they are on. Addresses land here when you add them, or when a
          subscriber unsubscribes, bounces or complains.
        </p>
        <AddSuppressionForm onAdded={page.reload} />
        <section class="card card--flush" aria-labelledby="supp-heading">
          <div class="card__head card__head--wrap">
            <h2 id="supp-heading">Suppressed addresses</h2>
            <div class="search">
              <label for="suppression-search" class="visually-hidden">
                Search by email
              </label>
              <input
                id="suppression-search"
                type="search"
                class="input"
                placeholder="Search by email (starts with…)"
                value={search}
                onInput={(e) => setSearch(e.currentTarget.value)}
                autoComplete="off"
                spellcheck={false}
                data-testid="suppression-search"
              />
            </div>
          </div>
          <FormError error={page.error} testid="suppression-error" />
          {!page.loaded && page.loading && (
            <p class="loading card__pad" role="status">
              Loading…
            </p>
          )}
          {page.loaded && (
            <div class="table-wrap" tabIndex={0} role="region" aria-label="Suppressed addresses" aria-busy={page.loading}>
              <table class="table table--responsive" data-testid="suppression-table">
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Source</th>
                    <th scope="col">Since</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.length === 0 && (
                    <tr>
                      <td colSpan={5} class="table__empty" data-testid="suppression-empty">
                        {prefix ? `No suppressed address starts with “${prefix}”.` : 'No suppressed addresses.'}
                      </td>
                    </tr>
                  )}
                  {page.items.map((s) => {
                    const r = REASONS[s.reason] ?? { label: s.reason, tone: 'muted' };
                    return (
                      <tr key={s.email} data-testid="suppression-row">
                        <td data-label="Email" class="cell--strong cell--wrap" data-testid="suppression-email">
                          {s.email}
                        </td>
                        <td data-label="Reason">
                          <span class={`badge badge--${r.tone}`} data-testid="suppression-reason">
                            {r.label}
                          </span>
                        </td>
                        <td data-label="Source">
                          <SourceCell source={s.source} />
                        </td>
                        <td data-label="Since">
                          <time dateTime={s.created_at}>{formatDate(s.created_at)}</time>
                        </td>
                        <td class="actions">
                          <button
                            type="button"
                            class="btn btn--small btn--danger-outline"
                            onClick={() => setLifting(s)}
                            aria-label={`Remove ${s.email} from the suppression list`}
                            data-testid="suppression-remove"
                          >
                            Remove
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          <Pager
            stack={page.stack}
            nextCursor={page.nextCursor}
            loading={page.loading}
            onPrevious={page.previous}
            onNext={page.next}
            testid="suppression-pager"
            label="Pages of suppressed addresses"
          />
        </section>
      </div>
      {lifting && (
        <LiftDialog
          entry={lifting}
          onClose={() => setLifting(null)}
          onDone={() => {
            setLifting(null);
            page.reload();
          }}
        />
      )}
    </Page>
  );
}

function AddSuppressionForm({ onAdded }: { onAdded: () => void }) {
  const [email, setEmail] = useState('');
  const [reason, setReason] = useState<SuppressionReason>('manual');
  const [emailError, setEmailError] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (sending) return;
    const problem = validateContactEmail(email) ?? undefined;
    setEmailError(problem);
    setError(null);
    setAdded(null);
    if (problem) {
      focusFirstInvalid(form.current);
      return;
    }
    setSending(true);
    try {
      const s = await api.suppress({ email: email.trim(), reason });
      setAdded(s.email);
      setEmail('');
      onAdded();
    } catch (err) {
      if (err instanceof ApiError) {
        const f = fieldErrorsFromDetails(err.details);
        if (f.email) setEmailError(f.email);
      }
      setError(err);
    } finally {
      setSending(false);
    }
  }

  return (
    <form ref={form} class="card form" onSubmit={onSubmit} noValidate aria-busy={sending} aria-labelledby="supp-add-heading">
      <h2 id="supp-add-heading">Suppress an address</h2>
      <FormError error={error} testid="suppression-add-error" />
      <div class="form__row">
        <Field
          id="suppression-add-email"
          label="Email"
          type="email"
          autoComplete="off"
          required
          value={email}
          onValue={setEmail}
          error={emailError}
        />
        <SelectField
          id="suppression-add-reason"
          label="Reason"
          value={reason}
          options={REASON_OPTIONS}
          onValue={(v) => setReason(v as SuppressionReason)}
        />
      </div>
      <div class="form__actions">
        <button type="submit" class="btn btn--primary" disabled={sending} data-testid="suppression-add-submit">
          {sending ? 'Adding…' : 'Suppress'}
        </button>
        <span class="saved" role="status" data-testid="suppression-added">
          {added ? `${added} is suppressed.` : ''}
        </span>
      </div>
    </form>
  );
}

function LiftDialog({ entry, onClose, onDone }: { entry: Suppression; onClose: () => void; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function onConfirm() {
    setBusy(true);
    setError(null);
    try {
      await api.liftSuppression(entry.email);
      onDone();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'suppression_not_found') {
        onDone();
        return;
      }
      setError(err);
      setBusy(false);
    }
  }
  return (
    <ConfirmDialog
      title="Allow sending to this address again?"
      confirmLabel="Remove from suppression"
      busyLabel="Removing…"
      busy={busy}
      onConfirm={() => void onConfirm()}
      onCancel={onClose}
      testid="suppression-remove"
      error={<FormError error={error} testid="suppression-remove-error" />}
    >
      <p>
        Campaigns will be able to send to <strong>{entry.email}</strong> again. Only do this if the person asked for it, or the
        address works again.
      </p>
    </ConfirmDialog>
  );
}
