/** How people join a list by themselves: opt-in (double or single), public in the preference
 * centre, and the confirmation email's template (empty parts use the default). */
import { useState } from 'preact/hooks';
import { api, ApiError, type ContactList } from '../../api';
import { templateErrorLines } from '../../campaigns';
import { CheckboxField } from '../../components/CheckboxField';
import { Field } from '../../components/Field';
import { FormCard } from '../../components/FormCard';
import { SelectField } from '../../components/SelectField';
import { TextAreaField } from '../../components/TextAreaField';
import { useForm } from '../../hooks/useForm';

const OPT_IN = [
  { value: 'double', label: 'Double opt-in: a confirmation email first' },
  { value: 'single', label: 'Single opt-in: subscribed at once' },
];

type Values = { opt_in: string; subject: string; html: string; text: string };

export function SignupSettings({ list, onSaved }: { list: ContactList; onSaved: (l: ContactList) => void }) {
  const f = useForm<Values, ContactList, 'template'>('list-signup', {
    opt_in: list.opt_in,
    subject: list.confirmation?.subject ?? '',
    html: list.confirmation?.html_body ?? '',
    text: list.confirmation?.text_body ?? '',
  });
  const [shown, setShown] = useState(list.public);
  const onSubmit = f.handler({
    send: async () => {
      try {
        const saved = await api.updateList(list.id, {
          opt_in: f.values.opt_in as ContactList['opt_in'],
          public: shown,
          confirmation: { subject: f.values.subject, html_body: f.values.html, text_body: f.values.text },
        });
        onSaved(saved);
        return saved;
      } catch (err) {
        if (err instanceof ApiError && err.code === 'template_error') {
          f.setErrors({ template: templateErrorLines(err.details).join(' ') || err.message });
          throw new ApiError(422, 'template_error', 'The confirmation email has a template error.');
        }
        throw err;
      }
    },
  });
  const double = f.values.opt_in === 'double';

  return (
    <FormCard form={f} onSubmit={onSubmit} title="Joining this list" saves>
      <SelectField {...f.field('opt_in')} label="Sign-ups through forms" options={OPT_IN} />
      <CheckboxField
        id="list-signup-public"
        checked={shown}
        onChecked={(v) => {
          setShown(v);
          f.setResult(null);
        }}
        hint="Readers see a public list in their preference centre, and may join or leave it there."
      >
        Public: listed in the preference centre
      </CheckboxField>
      {double && (
        <details>
          <summary>Confirmation email (leave a part empty for the default)</summary>
          <div class="form">
            <Field {...f.field('subject')} label="Subject" type="text" maxLength={500} placeholder="Please confirm your subscription to {{ lists | join(', ') }}" />
            <TextAreaField {...f.field('html')} label="HTML body" rows={6} code placeholder={'<a href="{{ confirm_url }}">Yes, subscribe me</a>'} />
            <TextAreaField {...f.field('text')} label="Text body" rows={4} code placeholder="{{ confirm_url }}" />
            <p class="field__hint">
              Merge tags: <code>{'{{ confirm_url }}'}</code> (required: the link that confirms), <code>{'{{ lists }}'}</code> (the lists&apos; names),{' '}
              <code>{'{{ subscriber.email }}'}</code>, <code>{'{{ subscriber.name }}'}</code>.
            </p>
            {f.errors.template && (
              <p class="field__error" data-testid="list-signup-template-error">
                {f.errors.template}
              </p>
            )}
          </div>
        </details>
      )}
    </FormCard>
  );
}
