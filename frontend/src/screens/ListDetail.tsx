import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  api,
  ApiError,
  fieldErrorsFromDetails,
  SUBSCRIBER_STATUSES,
  type ContactList,
  type Subscriber,
  type SubscriberStatus,
} from '../api';
import { AttributesEditor } from '../components/AttributesEditor';
import { StatusBadge, statusLabel } from '../components/Badges';
import { ConfirmDialog, Dialog } from '../components/Dialog';
import { Field } from '../components/Field';
import { FormError, Notice } from '../components/FormError';
import { focusFirstInvalid, Page } from '../components/Page';
import { Pager } from '../components/Pager';
import { SelectField } from '../components/SelectField';
import { formatCount, formatDate } from '../format';
import { useDebounced } from '../hooks/useDebounced';
import { usePaged } from '../hooks/usePaged';
import { Link, navigate, useLocation } from '../router';
import {
  attributesFromRows,
  collectErrors,
  hasErrors,
  rowsFromAttributes,
  validateContactEmail,
  validateSubscriberName,
  type AttributeRow,
  type FieldErrors,
} from '../validation';
import { DeleteListDialog, RenameListDialog } from './Lists';
import { ImportHistory, ImportPanel } from './ImportPanel';

export const SUBSCRIBERS_PAGE_SIZE = 25;

const STATUS_OPTIONS = SUBSCRIBER_STATUSES.map((s) => ({ value: s, label: statusLabel(s) }));

const SUPPRESSING = new Set<SubscriberStatus>(['unsubscribed', 'bounced', 'complained']);

function statusHint(status: SubscriberStatus, before?: SubscriberStatus): string | undefined {
  if (SUPPRESSING.has(status) && status !== before) return 'This also adds the address to your suppression list (every list).';
  if (status === 'subscribed' && before && SUPPRESSING.has(before))
    return 'This does not lift the suppression: remove the address on the Suppression page to send to it again.';
  return undefined;
}

const SUBSCRIBER_MESSAGES: Record<string, string> = {
  subscriber_exists: 'This address is already on the list.',
  list_not_found: 'This list no longer exists.',
  subscriber_not_found: 'This subscriber is no longer on the list.',
  // the API decodes %2F before routing, so an address with a "/" cannot be addressed by path
  method_not_allowed: 'An address containing “/” cannot be changed or removed yet.',
};

export function ListDetailScreen({ params }: { params: Record<string, string> }) {
  const listId = params.id ?? '';
  const { query } = useLocation();
  const [list, setList] = useState<ContactList | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [search, setSearch] = useState('');
  const [editing, setEditing] = useState<Subscriber | null>(null);
  const [removing, setRemoving] = useState<Subscriber | null>(null);
  const [importsTick, setImportsTick] = useState(0);
  const prefix = useDebounced(search.trim().toLowerCase(), 300);

  const loadList = useCallback(() => {
    api
      .getList(listId)
      .then((l) => {
        setList(l);
        setLoadError(null);
      })
      .catch((err: unknown) => setLoadError(err));
  }, [listId]);

  useEffect(() => loadList(), [loadList]);

  const subs = usePaged<Subscriber>(`${listId}|${prefix}`, (cursor) =>
    api.listSubscribers(listId, { email_prefix: prefix, limit: SUBSCRIBERS_PAGE_SIZE, cursor }),
  );

  function changed() {
    subs.reload();
    loadList();
  }

  if (loadError instanceof ApiError && loadError.status === 404) {
    return (
      <Page title="List not found">
        <div class="card" data-testid="list-not-found">
          <p>This list does not exist, or it was deleted.</p>
          <p>
            <Link href="/lists">Back to your lists</Link>
          </p>
        </div>
      </Page>
    );
  }

  return (
    <Page title={list ? list.name : 'List'}>
      <p class="crumbs">
        <Link href="/lists" data-testid="list-back">
          <span aria-hidden="true">←</span> All lists
        </Link>
      </p>
      <FormError error={loadError} testid="list-load-error" />
      {!list && !loadError && (
        <p class="loading" role="status">
          Loading the list…
        </p>
      )}
      {list && (
        <div class="stack">
          {query.get('created') === '1' && (
            <Notice testid="list-created">
              <p>The list is ready. Add subscribers one by one, or import a CSV file.</p>
            </Notice>
          )}
          <div class="card list-head">
            <dl class="facts">
              <dt>Subscribers</dt>
              <dd data-testid="list-subscriber-count">{formatCount(list.subscriber_count)}</dd>
              <dt>Description</dt>
              <dd data-testid="list-description">{list.description || <span class="muted">—</span>}</dd>
              <dt>Created</dt>
              <dd>{formatDate(list.created_at)}</dd>
            </dl>
            <div class="list-head__actions">
              <button type="button" class="btn btn--small" onClick={() => setRenaming(true)} data-testid="list-detail-rename">
                Rename
              </button>
              <button
                type="button"
                class="btn btn--small btn--danger-outline"
                onClick={() => setDeleting(true)}
                data-testid="list-detail-delete"
              >
                Delete list
              </button>
            </div>
          </div>

          <div class="grid-2">
            <AddSubscriberForm listId={listId} onAdded={changed} />
            <ImportPanel
              listId={listId}
              onFinished={() => {
                changed();
                setImportsTick((t) => t + 1);
              }}
            />
          </div>

          <section class="card card--flush" aria-labelledby="subscribers-heading">
            <div class="card__head card__head--wrap">
              <h2 id="subscribers-heading">Subscribers</h2>
              <div class="search">
                <label for="subscriber-search" class="visually-hidden">
                  Search by email
                </label>
                <input
                  id="subscriber-search"
                  type="search"
                  class="input"
                  placeholder="Search by email (starts with…)"
                  value={search}
                  onInput={(e) => setSearch(e.currentTarget.value)}
                  autoComplete="off"
                  spellcheck={false}
                  data-testid="subscriber-search"
                />
              </div>
            </div>
            <FormError error={subs.error} testid="subscribers-error" />
            {!subs.loaded && subs.loading && (
              <p class="loading card__pad" role="status">
                Loading subscribers…
              </p>
            )}
            {subs.loaded && (
              <div class="table-wrap" tabIndex={0} role="region" aria-label="Subscribers" aria-busy={subs.loading}>
                <table class="table table--responsive" data-testid="subscribers-table" data-loading={subs.loading ? 'true' : 'false'}>
                  <thead>
                    <tr>
                      <th scope="col">Email</th>
                      <th scope="col">Name</th>
                      <th scope="col">Status</th>
                      <th scope="col">Source</th>
                      <th scope="col">Added</th>
                      <th scope="col">
                        <span class="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {subs.items.length === 0 && (
                      <tr>
                        <td colSpan={6} class="table__empty" data-testid="subscribers-empty">
                          {prefix ? `No subscriber’s email starts with “${prefix}”.` : 'No subscribers yet.'}
                        </td>
                      </tr>
                    )}
                    {subs.items.map((s) => (
                      <tr key={s.email} data-testid="subscriber-row">
                        <td data-label="Email" class="cell--strong cell--wrap" data-testid="subscriber-email">
                          {s.email}
                        </td>
                        <td data-label="Name" class="cell--wrap">
                          {s.name || <span class="muted">—</span>}
                        </td>
                        <td data-label="Status">
                          <StatusBadge status={s.status} testid="subscriber-status" />
                        </td>
                        <td data-label="Source">{s.source === 'import' ? 'Import' : 'Added'}</td>
                        <td data-label="Added">
                          <time dateTime={s.created_at}>{formatDate(s.created_at)}</time>
                        </td>
                        <td class="actions">
                          <button
                            type="button"
                            class="btn btn--small"
                            onClick={() => setEditing(s)}
                            aria-label={`Edit ${s.email}`}
                            data-testid="subscriber-edit"
                          >
                            Edit
                          </button>
                          <button
                            type="button"
                            class="btn btn--small btn--danger-outline"
                            onClick={() => setRemoving(s)}
                            aria-label={`Remove ${s.email}`}
                            data-testid="subscriber-remove"
                          >
                            Remove
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <Pager
              stack={subs.stack}
              nextCursor={subs.nextCursor}
              loading={subs.loading}
              onPrevious={subs.previous}
              onNext={subs.next}
              testid="subscribers-pager"
              label="Pages of subscribers"
            />
          </section>

          <ImportHistory listId={listId} refresh={importsTick} />
        </div>
      )}

      {list && renaming && (
        <RenameListDialog
          list={list}
          onClose={() => setRenaming(false)}
          onSaved={(l) => {
            setList(l);
            setRenaming(false);
          }}
        />
      )}
      {list && deleting && (
        <DeleteListDialog list={list} onClose={() => setDeleting(false)} onDeleted={() => navigate('/lists', { replace: true })} />
      )}
      {editing && (
        <EditSubscriberDialog
          listId={listId}
          subscriber={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            subs.reload();
          }}
        />
      )}
      {removing && (
        <RemoveSubscriberDialog
          listId={listId}
          subscriber={removing}
          onClose={() => setRemoving(null)}
          onRemoved={() => {
            setRemoving(null);
            changed();
          }}
        />
      )}
    </Page>
  );
}

type AddFields = 'email' | 'name';

function AddSubscriberForm({ listId, onAdded }: { listId: string; onAdded: () => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [status, setStatus] = useState<SubscriberStatus>('subscribed');
  const [rows, setRows] = useState<AttributeRow[]>([]);
  const [attrError, setAttrError] = useState<{ error: string; row: number } | null>(null);
  const [errors, setErrors] = useState<FieldErrors<AddFields>>({});
  const [error, setError] = useState<unknown>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (sending) return;
    const found = collectErrors<AddFields>({ email: validateContactEmail(email), name: validateSubscriberName(name) });
    const attrs = attributesFromRows(rows);
    setErrors(found);
    setAttrError(attrs.ok ? null : { error: attrs.error, row: attrs.row });
    setError(null);
    setAdded(null);
    if (hasErrors(found) || !attrs.ok) {
      focusFirstInvalid(form.current);
      return;
    }
    setSending(true);
    try {
      const s = await api.addSubscriber(listId, {
        email: email.trim(),
        ...(name.trim() ? { name: name.trim() } : {}),
        status,
        ...(Object.keys(attrs.value).length ? { attributes: attrs.value } : {}),
      });
      setAdded(s.email);
      setEmail('');
      setName('');
      setStatus('subscribed');
      setRows([]);
      onAdded();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'subscriber_exists') {
        setErrors({ email: SUBSCRIBER_MESSAGES.subscriber_exists });
        focusFirstInvalid(form.current);
      } else {
        if (err instanceof ApiError) {
          const fields = fieldErrorsFromDetails(err.details);
          setErrors(fields as FieldErrors<AddFields>);
          if (fields.attributes) setAttrError({ error: fields.attributes, row: -1 });
        }
        setError(err);
      }
    } finally {
      setSending(false);
    }
  }

  return (
    <form ref={form} class="card form" onSubmit={onSubmit} noValidate aria-busy={sending} aria-labelledby="add-sub-heading">
      <h2 id="add-sub-heading">Add a subscriber</h2>
      <FormError error={error} messages={SUBSCRIBER_MESSAGES} testid="subscriber-add-error" />
      <Field
        id="subscriber-add-email"
        label="Email"
        type="email"
        autoComplete="off"
        required
        value={email}
        onValue={(v) => {
          setEmail(v);
          setAdded(null);
        }}
        error={errors.email}
      />
      <Field id="subscriber-add-name" label="Name (optional)" type="text" autoComplete="off" value={name} onValue={setName} error={errors.name} />
      <SelectField
        id="subscriber-add-status"
        label="Status"
        value={status}
        options={STATUS_OPTIONS}
        onValue={(v) => setStatus(v as SubscriberStatus)}
        hint={statusHint(status)}
      />
      <AttributesEditor rows={rows} onRows={(r) => {
          setRows(r);
          setAttrError(null);
        }} prefix="subscriber-add-attr" error={attrError?.error} errorRow={attrError?.row ?? -1} />
      <div class="form__actions">
        <button type="submit" class="btn btn--primary" disabled={sending} data-testid="subscriber-add-submit">
          {sending ? 'Adding…' : 'Add subscriber'}
        </button>
        <span class="saved" role="status" data-testid="subscriber-added">
          {added ? `Added ${added}.` : ''}
        </span>
      </div>
    </form>
  );
}

function EditSubscriberDialog({
  listId,
  subscriber,
  onClose,
  onSaved,
}: {
  listId: string;
  subscriber: Subscriber;
  onClose: () => void;
  onSaved: (s: Subscriber) => void;
}) {
  const [name, setName] = useState(subscriber.name);
  const [status, setStatus] = useState<SubscriberStatus>(subscriber.status);
  const [rows, setRows] = useState<AttributeRow[]>(() => rowsFromAttributes(subscriber.attributes ?? {}));
  const [attrError, setAttrError] = useState<{ error: string; row: number } | null>(null);
  const [nameError, setNameError] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (sending) return;
    const problem = validateSubscriberName(name) ?? undefined;
    const attrs = attributesFromRows(rows);
    setNameError(problem);
    setAttrError(attrs.ok ? null : { error: attrs.error, row: attrs.row });
    setError(null);
    if (problem || !attrs.ok) {
      focusFirstInvalid(form.current);
      return;
    }
    setSending(true);
    try {
      onSaved(await api.updateSubscriber(listId, subscriber.email, { name: name.trim(), status, attributes: attrs.value }));
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = fieldErrorsFromDetails(err.details);
        if (fields.name) setNameError(fields.name);
        if (fields.attributes) setAttrError({ error: fields.attributes, row: -1 });
      }
      setError(err);
      setSending(false);
    }
  }

  return (
    <Dialog title={`Edit ${subscriber.email}`} onClose={onClose} testid="subscriber-edit-dialog">
      <form ref={form} class="form" onSubmit={onSubmit} noValidate aria-busy={sending}>
        <FormError error={error} messages={SUBSCRIBER_MESSAGES} testid="subscriber-edit-error" />
        <Field id="subscriber-edit-name" label="Name" type="text" autoComplete="off" value={name} onValue={setName} error={nameError} />
        <SelectField
          id="subscriber-edit-status"
          label="Status"
          value={status}
          options={STATUS_OPTIONS}
          onValue={(v) => setStatus(v as SubscriberStatus)}
          hint={statusHint(status, subscriber.status)}
        />
        <AttributesEditor rows={rows} onRows={(r) => {
          setRows(r);
          setAttrError(null);
        }} prefix="subscriber-edit-attr" error={attrError?.error} errorRow={attrError?.row ?? -1} />
        <div class="form__actions form__actions--end">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn--primary" disabled={sending} data-testid="subscriber-edit-submit">
            {sending ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RemoveSubscriberDialog({
  listId,
  subscriber,
  onClose,
  onRemoved,
}: {
  listId: string;
  subscriber: Subscriber;
  onClose: () => void;
  onRemoved: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function onConfirm() {
    setBusy(true);
    setError(null);
    try {
      await api.removeSubscriber(listId, subscriber.email);
      onRemoved();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'subscriber_not_found') {
        onRemoved();
        return;
      }
      setError(err);
      setBusy(false);
    }
  }

  return (
    <ConfirmDialog
      title="Remove this subscriber?"
      confirmLabel="Remove"
      busyLabel="Removing…"
      busy={busy}
      onConfirm={() => void onConfirm()}
      onCancel={onClose}
      testid="subscriber-remove"
      error={<FormError error={error} messages={SUBSCRIBER_MESSAGES} testid="subscriber-remove-error" />}
    >
      <p>
        <strong>{subscriber.email}</strong> will be taken off this list. If the address is suppressed, it stays suppressed.
      </p>
    </ConfirmDialog>
  );
}
