/** Create, rename and delete a list: the same fields and dialogs on the lists screen and on a list's page. */
import { api, type ContactList } from '../api';
import { plural } from '../format';
import { useForm, type Form } from '../hooks/useForm';
import { LIST_NAME_MAX, validateListDescription, validateListName } from '../validation';
import { DeleteAction, Dialog, DialogButtons } from './Dialog';
import { Field } from './Field';
import { FormError } from './FormError';

export interface ListValues extends Record<string, string> {
  name: string;
  description: string;
}

/** A list form's checks and the body its API calls take. */
export function listChecks({ name, description }: ListValues) {
  return { name: validateListName(name), description: validateListDescription(description) };
}

export function listBody({ name, description }: ListValues) {
  return { name: name.trim(), description: description.trim() };
}

/** Name and description of a list. */
export function ListFields({ form, withHint }: { form: Form<ListValues, unknown>; withHint?: boolean }) {
  return (
    <>
      <Field {...form.field('name')} label="Name" type="text" required autoComplete="off" hint={withHint ? `Up to ${LIST_NAME_MAX} characters.` : undefined} />
      <Field {...form.field('description')} label="Description (optional)" type="text" autoComplete="off" />
    </>
  );
}

export function RenameListDialog({ list, onClose, onSaved }: { list: ContactList; onClose: () => void; onSaved: (l: ContactList) => void }) {
  const f = useForm<ListValues>('list-rename', { name: list.name, description: list.description });
  const onSubmit = f.handler({
    validate: () => listChecks(f.values),
    send: async () => onSaved(await api.updateList(list.id, listBody(f.values))),
  });

  return (
    <Dialog title={`Rename “${list.name}”`} onClose={onClose} testid="list-rename-dialog">
      <form ref={f.form} class="form" onSubmit={onSubmit} noValidate aria-busy={f.sending}>
        <FormError error={f.error} testid="list-rename-error" messages={{ list_not_found: 'This list no longer exists.' }} />
        <ListFields form={f} />
        <DialogButtons onCancel={onClose} sending={f.sending} testid="list-rename-submit" />
      </form>
    </Dialog>
  );
}

export function DeleteListDialog({ list, onClose, onDeleted }: { list: ContactList; onClose: () => void; onDeleted: () => void }) {
  return (
    <DeleteAction thing="list" confirmLabel="Delete list" action={() => api.deleteList(list.id)} onDone={onDeleted} onCancel={onClose} testid="list-delete">
      <p>
        <strong>{list.name}</strong> and its {plural(list.subscriber_count, 'subscriber')} will be deleted. This cannot be undone.
      </p>
      <p class="muted small">Addresses on your suppression list stay suppressed.</p>
    </DeleteAction>
  );
}
