import { useRef, useState } from 'preact/hooks';
import { api, ApiError, fieldErrorsFromDetails, type ContactList } from '../api';
import { ConfirmDialog, Dialog } from '../components/Dialog';
import { Field } from '../components/Field';
import { FormError } from '../components/FormError';
import { focusFirstInvalid, Page } from '../components/Page';
import { Pager } from '../components/Pager';
import { formatCount, formatDate, plural } from '../format';
import { usePaged } from '../hooks/usePaged';
import { href, Link, navigate } from '../router';
import {
  collectErrors,
  hasErrors,
  LIST_NAME_MAX,
  validateListDescription,
  validateListName,
  type FieldErrors,
} from '../validation';

export const LISTS_PAGE_SIZE = 20;

type Fields = 'name' | 'description';

export function ListsScreen() {
  const lists = usePaged<ContactList>('lists', (cursor) => api.listLists({ limit: LISTS_PAGE_SIZE, cursor }));
  const [renaming, setRenaming] = useState<ContactList | null>(null);
  const [deleting, setDeleting] = useState<ContactList | null>(null);

  return (
    <Page title="Lists">
      <div class="stack">
        <CreateListForm />
        <section class="card card--flush" aria-labelledby="lists-heading">
          <div class="card__head">
            <h2 id="lists-heading">Your lists</h2>
            {lists.loading && lists.loaded && (
              <span class="muted" role="status">
                Loading…
              </span>
            )}
          </div>
          <FormError error={lists.error} testid="lists-error" />
          {!lists.loaded && lists.loading && (
            <p class="loading card__pad" role="status">
              Loading your lists…
            </p>
          )}
          {lists.loaded && (
            <div class="table-wrap" tabIndex={0} role="region" aria-label="Lists">
              <table class="table table--responsive" data-testid="lists-table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col" class="num">
                      Subscribers
                    </th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {lists.items.length === 0 && (
                    <tr>
                      <td colSpan={4} class="table__empty" data-testid="lists-empty">
                        No lists yet. Create one above, then add subscribers or import a CSV file.
                      </td>
                    </tr>
                  )}
                  {lists.items.map((l) => (
                    <tr key={l.id} data-testid="list-row">
                      <td data-label="Name" class="cell--wrap">
                        <Link href={`/lists/${encodeURIComponent(l.id)}`} class="cell--strong" data-testid="list-link">
                          {l.name}
                        </Link>
                        {l.description && <div class="muted small">{l.description}</div>}
                      </td>
                      <td data-label="Subscribers" class="num" data-testid="list-count">
                        {formatCount(l.subscriber_count)}
                      </td>
                      <td data-label="Created">
                        <time dateTime={l.created_at}>{formatDate(l.created_at)}</time>
                      </td>
                      <td class="actions">
                        <button
                          type="button"
                          class="btn btn--small"
                          onClick={() => setRenaming(l)}
                          data-testid="list-rename"
                          aria-label={`Rename ${l.name}`}
                        >
                          Rename
                        </button>
                        <button
                          type="button"
                          class="btn btn--small btn--danger-outline"
                          onClick={() => setDeleting(l)}
                          data-testid="list-delete"
                          aria-label={`Delete ${l.name}`}
                        >
                          Delete
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pager
            stack={lists.stack}
            nextCursor={lists.nextCursor}
            loading={lists.loading}
            onPrevious={lists.previous}
            onNext={lists.next}
            testid="lists-pager"
            label="Pages of lists"
          />
        </section>
      </div>
      {renaming && (
        <RenameListDialog
          list={renaming}
          onClose={() => setRenaming(null)}
          onSaved={() => {
            setRenaming(null);
            lists.reload();
          }}
        />
      )}
      {deleting && (
        <DeleteListDialog
          list={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setDeleting(null);
            lists.reload();
          }}
        />
      )}
    </Page>
  );
}

function CreateListForm() {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<FieldErrors<Fields>>({});
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (sending) return;
    const found = collectErrors<Fields>({ name: validateListName(name), description: validateListDescription(description) });
    setErrors(found);
    setError(null);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    setSending(true);
    try {
      const created = await api.createList({ name: name.trim(), description: description.trim() });
      navigate(href(`/lists/${encodeURIComponent(created.id)}`, { created: '1' }));
    } catch (err) {
      if (err instanceof ApiError) setErrors(fieldErrorsFromDetails(err.details) as FieldErrors<Fields>);
      setError(err);
      setSending(false);
    }
  }

  return (
    <form ref={form} class="card form" onSubmit={onSubmit} noValidate aria-busy={sending} aria-labelledby="new-list-heading">
      <h2 id="new-list-heading">New list</h2>
      <FormError error={error} testid="lists-create-error" />
      <div class="form__row">
        <Field
          id="lists-create-name"
          label="Name"
          type="text"
          required
          value={name}
          onValue={setName}
          error={errors.name}
          hint={`Up to ${LIST_NAME_MAX} characters.`}
          autoComplete="off"
        />
        <Field
          id="lists-create-description"
          label="Description (optional)"
          type="text"
          value={description}
          onValue={setDescription}
          error={errors.description}
          autoComplete="off"
        />
      </div>
      <div class="form__actions">
        <button type="submit" class="btn btn--primary" disabled={sending} data-testid="lists-create-submit">
          {sending ? 'Creating…' : 'Create list'}
        </button>
      </div>
    </form>
  );
}

export function RenameListDialog({ list, onClose, onSaved }: { list: ContactList; onClose: () => void; onSaved: (l: ContactList) => void }) {
  const [name, setName] = useState(list.name);
  const [description, setDescription] = useState(list.description);
  const [errors, setErrors] = useState<FieldErrors<Fields>>({});
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (sending) return;
    const found = collectErrors<Fields>({ name: validateListName(name), description: validateListDescription(description) });
    setErrors(found);
    setError(null);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    setSending(true);
    try {
      onSaved(await api.updateList(list.id, { name: name.trim(), description: description.trim() }));
    } catch (err) {
      if (err instanceof ApiError) setErrors(fieldErrorsFromDetails(err.details) as FieldErrors<Fields>);
      setError(err);
      setSending(false);
    }
  }

  return (
    <Dialog title={`Rename “${list.name}”`} onClose={onClose} testid="list-rename-dialog">
      <form ref={form} class="form" onSubmit={onSubmit} noValidate aria-busy={sending}>
        <FormError error={error} testid="list-rename-error" messages={{ list_not_found: 'This list no longer exists.' }} />
        <Field id="list-rename-name" label="Name" type="text" required value={name} onValue={setName} error={errors.name} autoComplete="off" />
        <Field
          id="list-rename-description"
          label="Description (optional)"
          type="text"
          value={description}
          onValue={setDescription}
          error={errors.description}
          autoComplete="off"
        />
        <div class="form__actions form__actions--end">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn--primary" disabled={sending} data-testid="list-rename-submit">
            {sending ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function DeleteListDialog({ list, onClose, onDeleted }: { list: ContactList; onClose: () => void; onDeleted: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function onConfirm() {
    setBusy(true);
    setError(null);
    try {
      await api.deleteList(list.id);
      onDeleted();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'list_not_found') {
        onDeleted(); // already gone: same outcome
        return;
      }
      setError(err);
      setBusy(false);
    }
  }

  return (
    <ConfirmDialog
      title="Delete this list?"
      confirmLabel="Delete list"
      busyLabel="Deleting…"
      busy={busy}
      onConfirm={() => void onConfirm()}
      onCancel={onClose}
      testid="list-delete"
      error={<FormError error={error} testid="list-delete-error" />}
    >
      <p>
        <strong>{list.name}</strong> and its {plural(list.subscriber_count, 'subscriber')} will be deleted. This cannot be undone.
      </p>
      <p class="muted small">Addresses on your suppression list stay suppressed.</p>
    </ConfirmDialog>
  );
}
