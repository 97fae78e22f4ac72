/** Add a subscriber, edit one, remove one: the forms of a list's page. */
import { useState } from 'preact/hooks';
import { api, SETTABLE_STATUSES, SUBSCRIBER_STATUSES, type SettableStatus, type Subscriber, type SubscriberStatus } from '../../api';
import { AttributesEditor } from '../../components/AttributesEditor';
import { statusLabel } from '../../components/Badges';
import { ConfirmAction, Dialog, DialogButtons } from '../../components/Dialog';
import { Field } from '../../components/Field';
import { FormCard } from '../../components/FormCard';
import { FormError } from '../../components/FormError';
import { SelectField } from '../../components/SelectField';
import { useForm, type Form } from '../../hooks/useForm';
import { attributesFromRows, rowsFromAttributes, validateContactEmail, validateSubscriberName, type AttributeRow } from '../../validation';

const STATUS_OPTIONS = SUBSCRIBER_STATUSES.map((s) => ({ value: s, label: statusLabel(s) }));
/** An unconfirmed subscriber keeps its status in the list until it is changed to another. */
function editOptions(before: SubscriberStatus) {
  const statuses: readonly SubscriberStatus[] = before === 'unconfirmed' ? ['unconfirmed', ...SETTABLE_STATUSES] : SETTABLE_STATUSES;
  return statuses.map((s) => ({ value: s, label: statusLabel(s) }));
}

const SUPPRESSING = new Set<SubscriberStatus>(['unsubscribed', 'bounced', 'complained']);

function statusHint(status: SubscriberStatus, before?: SubscriberStatus): string | undefined {
  if (status === 'unconfirmed' && !before) return 'Herald emails them the list’s confirmation link; campaigns reach them once they follow it.';
  if (status === 'subscribed' && before === 'unconfirmed') return 'This confirms them on your word, without their link.';
  if (SUPPRESSING.has(status) && status !== before) return 'This also adds the address to your suppression list (every list).';
  if (status === 'subscribed' && before && SUPPRESSING.has(before))
    return 'This does not lift the suppression: remove the address on the Suppression page to send to it again.';
  return undefined;
}

export const SUBSCRIBER_MESSAGES: Record<string, string> = {
  subscriber_exists: 'This address is already on the list.',
  list_not_found: 'This list no longer exists.',
  subscriber_not_found: 'This subscriber is no longer on the list.',
  // the API decodes %2F before routing, so an address with a "/" cannot be addressed by path
  method_not_allowed: 'An address containing “/” cannot be changed or removed yet.',
};

type Values = { email: string; name: string; status: string; reason: string };

/** The attribute rows of a subscriber form, and which row an error is about (-1: the whole set). */
function useAttributeRows(initial: Record<string, unknown>) {
  const [rows, setRows] = useState<AttributeRow[]>(() => rowsFromAttributes(initial));
  const [errorRow, setErrorRow] = useState(-1);
  return {
    rows,
    setRows,
    errorRow,
    /** why the rows do not make an object (its row is marked), or null */
    check(): string | null {
      const parsed = attributesFromRows(rows);
      setErrorRow(parsed.ok ? -1 : parsed.row);
      return parsed.ok ? null : parsed.error;
    },
    /** the rows as an object (once checked) */
    value(): Record<string, unknown> {
      const parsed = attributesFromRows(rows);
      return parsed.ok ? parsed.value : {};
    },
  };
}

/** Name, status and attributes: what adding and editing a subscriber share. */
function SubscriberFields<R>({
  form,
  attrs,
  nameLabel,
  before,
}: {
  form: Form<Values, R, 'attributes'>;
  attrs: ReturnType<typeof useAttributeRows>;
  nameLabel: string;
  before?: SubscriberStatus;
}) {
  return (
    <>
      <Field {...form.field('name')} label={nameLabel} type="text" autoComplete="off" />
      <SelectField
        {...form.field('status')}
        label="Status"
        options={before ? editOptions(before) : STATUS_OPTIONS}
        hint={statusHint(form.values.status as SubscriberStatus, before)}
      />
      <AttributesEditor
        rows={attrs.rows}
        onRows={(r) => {
          attrs.setRows(r);
          form.setErrors({ ...form.errors, attributes: undefined });
        }}
        prefix={form.id('attr')}
        error={form.errors.attributes}
        errorRow={attrs.errorRow}
      />
    </>
  );
}

export function AddSubscriberForm({ listId, onAdded }: { listId: string; onAdded: () => void }) {
  const f = useForm<Values, string, 'attributes'>('subscriber-add', { email: '', name: '', status: 'subscribed', reason: '' });
  const attrs = useAttributeRows({});
  const { email, name, status } = f.values;
  const onSubmit = f.handler({
    validate: () => ({ email: validateContactEmail(email), name: validateSubscriberName(name), attributes: attrs.check() }),
    send: async () => {
      const attributes = attrs.value();
      const s = await api.addSubscriber(listId, {
        email: email.trim(),
        ...(name.trim() ? { name: name.trim() } : {}),
        status: status as SubscriberStatus,
        ...(Object.keys(attributes).length ? { attributes } : {}),
        ...(status === 'subscribed' && f.values.reason.trim() ? { confirmed_reason: f.values.reason.trim() } : {}),
      });
      f.reset();
      attrs.setRows([]);
      onAdded();
      return s.email;
    },
    refusal: (err) => (err.code === 'subscriber_exists' ? { email: SUBSCRIBER_MESSAGES.subscriber_exists } : null),
  });

  return (
    <FormCard
      form={f}
      onSubmit={onSubmit}
      title="Add a subscriber"
      messages={SUBSCRIBER_MESSAGES}
      submit="Add subscriber"
      busy="Adding…"
      done={f.result ? `Added ${f.result}.` : ''}
      doneTestid="subscriber-added"
    >
      <Field {...f.field('email')} label="Email" type="email" autoComplete="off" required />
      <SubscriberFields form={f} attrs={attrs} nameLabel="Name (optional)" />
      {status === 'subscribed' && (
        <Field
          {...f.field('reason')}
          label="How they agreed (optional, recorded)"
          type="text"
          maxLength={500}
          autoComplete="off"
          hint="E.g. “signed up at the spring fair”: kept with the subscriber as proof of consent."
        />
      )}
    </FormCard>
  );
}

export function EditSubscriberDialog({
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
  const f = useForm<Values, unknown, 'attributes'>('subscriber-edit', {
    email: subscriber.email,
    name: subscriber.name,
    status: subscriber.status,
    reason: '',
  });
  const attrs = useAttributeRows(subscriber.attributes ?? {});
  const onSubmit = f.handler({
    validate: () => ({ name: validateSubscriberName(f.values.name), attributes: attrs.check() }),
    send: async () => {
      const status = f.values.status as SubscriberStatus;
      const body = {
        name: f.values.name.trim(),
        attributes: attrs.value(),
        // an unchanged status is not sent: an unconfirmed one cannot be set, only left
        ...(status !== subscriber.status ? { status: status as SettableStatus } : {}),
      };
      onSaved(await api.updateSubscriber(listId, subscriber.email, body));
    },
  });

  return (
    <Dialog title={`Edit ${subscriber.email}`} onClose={onClose} testid="subscriber-edit-dialog">
      <form ref={f.form} class="form" onSubmit={onSubmit} noValidate aria-busy={f.sending}>
        <FormError error={f.error} messages={SUBSCRIBER_MESSAGES} testid="subscriber-edit-error" />
        <SubscriberFields form={f} attrs={attrs} nameLabel="Name" before={subscriber.status} />
        <DialogButtons onCancel={onClose} sending={f.sending} testid="subscriber-edit-submit" />
      </form>
    </Dialog>
  );
}

export function RemoveSubscriberDialog({
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
  return (
    <ConfirmAction
      title="Remove this subscriber?"
      confirmLabel="Remove"
      busyLabel="Removing…"
      action={() => api.removeSubscriber(listId, subscriber.email)}
      doneCode="subscriber_not_found"
      onDone={onRemoved}
      onCancel={onClose}
      testid="subscriber-remove"
      messages={SUBSCRIBER_MESSAGES}
    >
      <p>
        <strong>{subscriber.email}</strong> will be taken off this list. If the address is suppressed, it stays suppressed.
      </p>
    </ConfirmAction>
  );
}
