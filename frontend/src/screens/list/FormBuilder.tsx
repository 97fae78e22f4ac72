/** The sign-up form builder: what a form asks (name, attributes), which lists it offers, the
 * words it shows (title, intro, consent, button, thank-you). A dialog, for a new form or one to edit. */
import { useState } from 'preact/hooks';
import { api, type ContactList, type FormCreate, type FormField, type SignupForm } from '../../api';
import { CheckboxField } from '../../components/CheckboxField';
import { Dialog, DialogButtons } from '../../components/Dialog';
import { Field } from '../../components/Field';
import { FormError } from '../../components/FormError';
import { TextAreaField } from '../../components/TextAreaField';
import { useForm } from '../../hooks/useForm';

const DEFAULT_CONSENT = 'I agree to receive these emails. I can unsubscribe at any time with the link in each one.';

type Values = { name: string; title: string; intro: string; consent: string; button: string; success: string };

/** The attribute questions: key (where the answer is stored), label (what the reader sees). */
function FieldsEditor({ rows, onRows }: { rows: FormField[]; onRows: (rows: FormField[]) => void }) {
  const set = (i: number, patch: Partial<FormField>) => onRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset class="attrs">
      <legend>Questions (saved as attributes)</legend>
      {rows.length === 0 && <p class="muted small">Only the email (and name) are asked.</p>}
      {rows.map((r, i) => (
        <div class="attrs__row" key={i}>
          <input
            class="input"
            aria-label={`Question ${i + 1}: attribute name`}
            placeholder="attribute (e.g. city)"
            maxLength={64}
            value={r.key}
            onInput={(e) => set(i, { key: e.currentTarget.value })}
            data-testid={`form-field-key-${i}`}
          />
          <input
            class="input"
            aria-label={`Question ${i + 1}: label`}
            placeholder="label (e.g. Your city)"
            maxLength={120}
            value={r.label}
            onInput={(e) => set(i, { label: e.currentTarget.value })}
            data-testid={`form-field-label-${i}`}
          />
          <span>
            <label class="check">
              <input type="checkbox" checked={!!r.required} onChange={(e) => set(i, { required: e.currentTarget.checked })} data-testid={`form-field-required-${i}`} />
              required
            </label>
            <button type="button" class="btn btn--ghost btn--icon" onClick={() => onRows(rows.filter((_, j) => j !== i))} aria-label={`Remove question ${i + 1}`} data-testid={`form-field-remove-${i}`}>
              ×
            </button>
          </span>
        </div>
      ))}
      <button type="button" class="btn btn--small" onClick={() => onRows([...rows, { key: '', label: '', required: false }])} data-testid="form-field-add">
        + Add a question
      </button>
    </fieldset>
  );
}

export function FormBuilder({
  listId,
  lists,
  form,
  onClose,
  onSaved,
}: {
  listId: string;
  lists: ContactList[] | null;
  /** the form to change; absent: a new one */
  form?: SignupForm;
  onClose: () => void;
  onSaved: (f: SignupForm) => void;
}) {
  const f = useForm<Values, unknown, 'fields' | 'lists'>('form', {
    name: form?.name ?? 'Sign-up form',
    title: form?.title ?? '',
    intro: form?.intro ?? '',
    consent: form?.consent_text ?? DEFAULT_CONSENT,
    button: form?.button_label ?? 'Subscribe',
    success: form?.success_message ?? '',
  });
  const [askName, setAskName] = useState(form?.ask_name ?? true);
  const [nameRequired, setNameRequired] = useState(form?.name_required ?? false);
  const [fields, setFields] = useState<FormField[]>(form?.fields ?? []);
  const [offered, setOffered] = useState<string[]>(form?.list_ids ?? [listId]);
  const onSubmit = f.handler({
    validate: () => ({
      name: f.values.name.trim() ? null : 'Give the form a name (only you see it).',
      button: f.values.button.trim() ? null : 'The button needs a label.',
      fields: fields.some((q) => !q.key.trim() || !q.label.trim()) ? 'Every question needs an attribute name and a label.' : null,
      lists: offered.length ? null : 'Offer at least one list.',
    }),
    send: async () => {
      const body: FormCreate = {
        name: f.values.name.trim(),
        list_ids: offered,
        title: f.values.title.trim(),
        intro: f.values.intro.trim(),
        ask_name: askName,
        name_required: askName && nameRequired,
        fields: fields.map((q) => ({ key: q.key.trim(), label: q.label.trim(), required: !!q.required })),
        consent_text: f.values.consent.trim(),
        button_label: f.values.button.trim(),
        success_message: f.values.success.trim(),
      };
      onSaved(form ? await api.updateForm(form.id, body) : await api.createForm(body));
    },
  });
  const toggle = (id: string, on: boolean) => setOffered((ids) => (on ? [...ids, id] : ids.filter((x) => x !== id)));

  return (
    <Dialog title={form ? `Edit “${form.name}”` : 'New sign-up form'} onClose={onClose} testid="form-dialog">
      <form ref={f.form} class="form" onSubmit={onSubmit} noValidate aria-busy={f.sending}>
        <FormError error={f.error} testid="form-error" messages={{ list_not_found: 'One of the lists no longer exists.' }} />
        <Field {...f.field('name')} label="Name (only you see it)" type="text" maxLength={120} required />
        <Field {...f.field('title')} label="Title (default: Subscribe to <list>)" type="text" maxLength={200} />
        <TextAreaField {...f.field('intro')} label="Introduction (optional)" rows={2} maxLength={2000} />
        <CheckboxField id="form-ask-name" checked={askName} onChecked={setAskName}>
          Ask for the name
        </CheckboxField>
        {askName && (
          <CheckboxField id="form-name-required" checked={nameRequired} onChecked={setNameRequired}>
            The name is required
          </CheckboxField>
        )}
        <FieldsEditor rows={fields} onRows={setFields} />
        {f.errors.fields && <p class="field__error" data-testid="form-fields-error">{f.errors.fields}</p>}
        <fieldset class="checks">
          <legend>Lists it subscribes to (a reader picks when there are several)</legend>
          {(lists ?? []).map((l) => (
            <label class="check" key={l.id}>
              <input type="checkbox" checked={offered.includes(l.id)} onChange={(e) => toggle(l.id, e.currentTarget.checked)} data-testid="form-list" value={l.id} />
              {l.name}
            </label>
          ))}
        </fieldset>
        {f.errors.lists && <p class="field__error" data-testid="form-lists-error">{f.errors.lists}</p>}
        <TextAreaField {...f.field('consent')} label="Consent text (shown, and recorded with each sign-up)" rows={2} maxLength={2000} />
        <div class="form__row">
          <Field {...f.field('button')} label="Button" type="text" maxLength={60} />
          <Field {...f.field('success')} label="Thank-you message (optional)" type="text" maxLength={1000} />
        </div>
        <DialogButtons onCancel={onClose} sending={f.sending} testid="form-save" label={form ? 'Save' : 'Create form'} busyLabel="Saving…" />
      </form>
    </Dialog>
  );
}
