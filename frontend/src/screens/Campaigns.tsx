import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, fieldErrorsFromDetails, type CampaignSummary, type ContactList } from '../api';
import { CAMPAIGN_STATUS_LABEL, CAMPAIGN_STATUS_TONE } from '../campaigns';
import { ConfirmDialog } from '../components/Dialog';
import { Field } from '../components/Field';
import { FormError } from '../components/FormError';
import { focusFirstInvalid, Page } from '../components/Page';
import { Pager } from '../components/Pager';
import { SelectField } from '../components/SelectField';
import { formatCount, formatDate } from '../format';
import { usePaged } from '../hooks/usePaged';
import { Link, navigate } from '../router';
import { collectErrors, hasErrors, validateContactEmail, type FieldErrors } from '../validation';

export const CAMPAIGNS_PAGE_SIZE = 20;

type Fields = 'name' | 'subject' | 'from_name' | 'reply_to' | 'list_id';

export function CampaignStatusBadge({ status, testid }: { status: string; testid?: string }) {
  return (
    <span class={`badge badge--${CAMPAIGN_STATUS_TONE[status] ?? 'muted'}`} data-testid={testid} data-status={status}>
      {CAMPAIGN_STATUS_LABEL[status] ?? status}
    </span>
  );
}

/** All the account's lists (up to a few pages), for the list select and names in the table. */
export function useAllLists(): { lists: ContactList[] | null; error: unknown } {
  const [lists, setLists] = useState<ContactList[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const out: ContactList[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 10; i++) {
        const p = await api.listLists({ limit: 100, cursor });
        out.push(...p.items);
        cursor = p.next_cursor;
        if (!cursor) break;
      }
      if (!cancelled) setLists(out);
    })().catch((err: unknown) => {
      if (!cancelled) setError(err);
    });
    return () => {
      cancelled = true;
    };
  }, []);
  return { lists, error };
}

export function CampaignsScreen() {
  const campaigns = usePaged<CampaignSummary>('campaigns', (cursor) => api.listCampaigns({ limit: CAMPAIGNS_PAGE_SIZE, cursor }));
  const { lists, error: listsError } = useAllLists();
  const [deleting, setDeleting] = useState<CampaignSummary | null>(null);
  const listName = (id: string) => lists?.find((l) => l.id === id)?.name ?? '—';

  return (
    <Page title="Campaigns">
      <div class="stack">
        <CreateCampaignForm lists={lists} listsError={listsError} />
        <section class="card card--flush" aria-labelledby="campaigns-heading">
          <div class="card__head">
            <h2 id="campaigns-heading">Your campaigns</h2>
          </div>
          <FormError error={campaigns.error} testid="campaigns-error" />
          {!campaigns.loaded && campaigns.loading && (
            <p class="loading card__pad" role="status">
              Loading your campaigns…
            </p>
          )}
          {campaigns.loaded && (
            <div class="table-wrap" tabIndex={0} role="region" aria-label="Campaigns">
              <table class="table table--responsive" data-testid="campaigns-table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Status</th>
                    <th scope="col">List</th>
                    <th scope="col" class="num">
                      Recipients
                    </th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {campaigns.items.length === 0 && (
                    <tr>
                      <td colSpan={6} class="table__empty" data-testid="campaigns-empty">
                        No campaigns yet. Create one above.
                      </td>
                    </tr>
                  )}
                  {campaigns.items.map((c) => (
                    <tr key={c.id} data-testid="campaign-row">
                      <td data-label="Name" class="cell--wrap">
                        <Link href={`/campaigns/${encodeURIComponent(c.id)}`} class="cell--strong" data-testid="campaign-link">
                          {c.name}
                        </Link>
                        <div class="muted small">{c.subject}</div>
                      </td>
                      <td data-label="Status">
                        <CampaignStatusBadge status={c.status} testid="campaign-row-status" />
                        {c.status === 'scheduled' && c.scheduled_at && (
                          <div class="muted small">for {new Date(c.scheduled_at).toLocaleString()}</div>
                        )}
                        {c.status === 'sent' && c.sent_at && (
                          <div class="muted small" data-testid="campaign-row-sent-at">
                            on {new Date(c.sent_at).toLocaleString()}
                          </div>
                        )}
                      </td>
                      <td data-label="List" class="cell--wrap">
                        {listName(c.list_id)}
                      </td>
                      <td data-label="Recipients" class="num">
                        {c.status === 'draft' || c.status === 'scheduled' ? '—' : formatCount(c.stats.recipients)}
                      </td>
                      <td data-label="Created">
                        <time dateTime={c.created_at}>{formatDate(c.created_at)}</time>
                      </td>
                      <td class="actions">
                        {c.status === 'draft' && (
                          <button
                            type="button"
                            class="btn btn--small btn--danger-outline"
                            onClick={() => setDeleting(c)}
                            data-testid="campaign-delete"
                            aria-label={`Delete ${c.name}`}
                          >
                            Delete
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pager
            stack={campaigns.stack}
            nextCursor={campaigns.nextCursor}
            loading={campaigns.loading}
            onPrevious={campaigns.previous}
            onNext={campaigns.next}
            testid="campaigns-pager"
            label="Pages of campaigns"
          />
        </section>
      </div>
      {deleting && (
        <DeleteCampaignDialog
          campaign={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setDeleting(null);
            campaigns.reload();
          }}
        />
      )}
    </Page>
  );
}

function CreateCampaignForm({ lists, listsError }: { lists: ContactList[] | null; listsError: unknown }) {
  const [name, setName] = useState('');
  const [subject, setSubject] = useState('');
  const [fromName, setFromName] = useState('');
  const [replyTo, setReplyTo] = useState('');
  const [listId, setListId] = useState('');
  const [errors, setErrors] = useState<FieldErrors<Fields>>({});
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const chosen = listId || lists?.[0]?.id || '';

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (sending) return;
    const found = collectErrors<Fields>({
      name: !name.trim() ? 'Enter a name for the campaign.' : name.trim().length > 200 ? 'Use at most 200 characters.' : null,
      subject: !subject.trim() ? 'Enter a subject line.' : subject.length > 998 ? 'The subject is too long.' : null,
      from_name: fromName.length > 200 ? 'Use at most 200 characters.' : null,
      reply_to: replyTo.trim() ? validateContactEmail(replyTo) : null,
      list_id: chosen ? null : 'Create a list first: a campaign is sent to one list.',
    });
    setErrors(found);
    setError(null);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    setSending(true);
    try {
      const created = await api.createCampaign({
        name: name.trim(),
        subject: subject.trim(),
        list_id: chosen,
        ...(fromName.trim() ? { from_name: fromName.trim() } : {}),
        ...(replyTo.trim() ? { reply_to: replyTo.trim() } : {}),
      });
      navigate(`/campaigns/${encodeURIComponent(created.id)}`);
    } catch (err) {
      if (err instanceof ApiError) setErrors(fieldErrorsFromDetails(err.details) as FieldErrors<Fields>);
      setError(err);
      setSending(false);
    }
  }

  const options = (lists ?? []).map((l) => ({ value: l.id, label: `${l.name} (${formatCount(l.subscriber_count)})` }));

  return (
    <form ref={form} class="card form" onSubmit={onSubmit} noValidate aria-busy={sending} aria-labelledby="new-campaign-heading">
      <h2 id="new-campaign-heading">New campaign</h2>
      <FormError error={error ?? listsError} testid="campaigns-create-error" messages={{ list_not_found: 'That list no longer exists.' }} />
      <div class="form__row">
        <Field id="campaigns-create-name" label="Name" type="text" required value={name} onValue={setName} error={errors.name} autoComplete="off" hint="Only you see it." />
        <Field
          id="campaigns-create-subject"
          label="Subject"
          type="text"
          required
          value={subject}
          onValue={setSubject}
          error={errors.subject}
          autoComplete="off"
        />
      </div>
      <div class="form__row">
        <Field id="campaigns-create-from" label="From name (optional)" type="text" value={fromName} onValue={setFromName} error={errors.from_name} autoComplete="off" />
        <Field
          id="campaigns-create-reply-to"
          label="Reply-to address (optional)"
          type="email"
          value={replyTo}
          onValue={setReplyTo}
          error={errors.reply_to}
          autoComplete="off"
        />
      </div>
      {lists && lists.length === 0 ? (
        <p class="field__error" data-testid="campaigns-create-list-error">
          You have no lists yet. <Link href="/lists">Create a list</Link> first: a campaign is sent to one list.
        </p>
      ) : (
        <SelectField
          id="campaigns-create-list"
          label="Send to list"
          value={chosen}
          options={options}
          onValue={setListId}
          error={errors.list_id}
          hint={lists ? undefined : 'Loading your lists…'}
        />
      )}
      <div class="form__actions">
        <button type="submit" class="btn btn--primary" disabled={sending || !lists} data-testid="campaigns-create-submit">
          {sending ? 'Creating…' : 'Create campaign'}
        </button>
      </div>
    </form>
  );
}

function DeleteCampaignDialog({ campaign, onClose, onDeleted }: { campaign: CampaignSummary; onClose: () => void; onDeleted: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function onConfirm() {
    setBusy(true);
    setError(null);
    try {
      await api.deleteCampaign(campaign.id);
      onDeleted();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'campaign_not_found') {
        onDeleted();
        return;
      }
      setError(err);
      setBusy(false);
    }
  }

  return (
    <ConfirmDialog
      title="Delete this campaign?"
      confirmLabel="Delete campaign"
      busyLabel="Deleting…"
      busy={busy}
      onConfirm={() => void onConfirm()}
      onCancel={onClose}
      testid="campaign-delete"
      error={
        <FormError
          error={error}
          testid="campaign-delete-error"
          messages={{ campaign_not_deletable: 'This campaign is scheduled or sending: it cannot be deleted now.' }}
        />
      }
    >
      <p>
        The draft <strong>{campaign.name}</strong> will be deleted. This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}
