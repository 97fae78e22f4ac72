/** A transactional template's page: name, subject and bodies, save, delete; a preview with sample data. */
import { useEffect } from 'preact/hooks';
import { api, type CampaignPreview, type Template } from '../../api';
import { DeleteButton } from '../../components/Dialog';
import { DetailPage } from '../../components/DetailPage';
import { Field, SubmitButton } from '../../components/Field';
import { FormCard } from '../../components/FormCard';
import { FormError } from '../../components/FormError';
import { MailPreview } from '../../components/MailPreview';
import { DeleteTemplateDialog } from '../../components/TemplateDialogs';
import { TextAreaField } from '../../components/TextAreaField';
import { useDetail } from '../../hooks/useDetail';
import { useForm } from '../../hooks/useForm';
import { navigate } from '../../router';

const MESSAGES = { template_not_found: 'This template was deleted.' };

const MERGE_HINT = (
  <>
    Merge tags: <code>{'{{ data.x }}'}</code> (the field <code>x</code> of the message&apos;s <code>data</code>) and <code>{'{{ to }}'}</code> (the
    recipient&apos;s address). Unknown names render empty.
  </>
);

export function TemplateScreen({ params }: { params: Record<string, string> }) {
  const template = useDetail(params.id ?? 'new', api.getTemplate);
  return (
    <DetailPage thing="template" name={template.creating ? 'New template' : (template.item?.name ?? null)} loadError={template.loadError}>
      {template.ready && (
        <div class="grid-2">
          <TemplateEditor template={template.item} onSaved={template.setItem} />
          {template.item && <TemplatePreview template={template.item} />}
        </div>
      )}
    </DetailPage>
  );
}

function TemplateEditor({ template, onSaved }: { template: Template | null; onSaved: (t: Template) => void }) {
  const f = useForm('template', {
    name: template?.name ?? '',
    subject: template?.subject ?? '',
    html_body: template?.html_body ?? '',
    text_body: template?.text_body ?? '',
  });

  const onSubmit = f.handler({
    validate: () => ({
      name: f.values.name.trim() ? null : 'Name the template.',
      subject: f.values.subject.trim() ? null : 'Give it a subject.',
    }),
    send: async () => {
      const body = { ...f.values, kind: 'transactional' as const };
      const saved = template ? await api.replaceTemplate(template.id, body) : await api.createTemplate(body);
      onSaved(saved);
      if (!template) navigate(`/templates/${encodeURIComponent(saved.id)}`, { replace: true });
      return saved;
    },
  });

  return (
    <FormCard
      form={f}
      onSubmit={onSubmit}
      title="Content"
      lead={
        template && (
          <p class="muted small">
            Send it with <code>POST /api/tx</code> and <code data-testid="template-send-id">{`"template_id": "${template.id}"`}</code>.
          </p>
        )
      }
      messages={MESSAGES}
      saves
      submit={template ? 'Save' : 'Save template'}
      actions={
        template && (
          <DeleteButton
            testid="template-delete"
            dialog={(close) => (
              <DeleteTemplateDialog template={template} testid="template-delete" onClose={close} onDeleted={() => navigate('/templates', { replace: true })} />
            )}
          />
        )
      }
    >
      <Field {...f.field('name')} label="Name" type="text" maxLength={200} required autoComplete="off" />
      <Field {...f.field('subject')} label="Subject" type="text" maxLength={500} required autoComplete="off" />
      <TextAreaField {...f.field('html_body', 'html')} label="HTML body" rows={12} code hint={MERGE_HINT} testid="template-html" />
      <TextAreaField {...f.field('text_body', 'text')} label="Text body" rows={6} code testid="template-text" />
    </FormCard>
  );
}

/** The saved template rendered with the data typed here (JSON, as a send's `data`). */
function TemplatePreview({ template }: { template: Template }) {
  const f = useForm<{ data: string }, CampaignPreview>('template-preview', { data: '{}' });

  const onPreview = f.handler({
    validate: () => ({ data: parsedData(f.values.data) ? null : 'Type a JSON object, e.g. {"name": "Ada"}.' }),
    send: () => api.previewTemplate(template.id, parsedData(f.values.data) ?? {}),
  });
  // the saved version, rendered once on arrival and after every save
  useEffect(() => onPreview(), [template]);

  return (
    <form ref={f.form} class="card form" onSubmit={onPreview} noValidate aria-labelledby="template-preview-heading">
      <h2 id="template-preview-heading">Preview</h2>
      <TextAreaField {...f.field('data')} label="Data (JSON)" rows={4} code hint="What a send passes as data; the preview shows the saved version." />
      <FormError error={f.error} testid="template-preview-error" />
      <div class="form__actions">
        <SubmitButton sending={f.sending} busyLabel="Rendering…" testid="template-preview-run">
          Preview
        </SubmitButton>
      </div>
      <MailPreview preview={f.result} testid="template-preview" />
    </form>
  );
}

function parsedData(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text || '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
