/** The stored campaign rendered for a sample subscriber: subject, HTML in a sandboxed frame, text part. */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type CampaignPreview } from '../../api';
import { templateErrorLines } from '../../campaigns';
import { FormError } from '../../components/FormError';
import s from './style.module.css';

export function Preview({ campaignId, tick, onTemplateErrors }: { campaignId: string; tick: number; onTemplateErrors: (lines: string[]) => void }) {
  const [preview, setPreview] = useState<CampaignPreview | null>(null);
  const [previewError, setPreviewError] = useState<unknown>(null);

  useEffect(() => {
    let cancelled = false;
    api
      .previewCampaign(campaignId)
      .then((p) => {
        if (cancelled) return;
        setPreview(p);
        setPreviewError(null);
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        if (err instanceof ApiError && err.code === 'template_error') onTemplateErrors(templateErrorLines(err.details));
        else setPreviewError(err);
      });
    return () => {
      cancelled = true;
    };
  }, [campaignId, tick]);

  return (
    <section class="card form" aria-labelledby="campaign-preview-heading">
      <h2 id="campaign-preview-heading">Preview</h2>
      <p class="muted small">For a sample subscriber; it follows your changes once they are saved.</p>
      <FormError error={previewError} testid="campaign-preview-error" />
      <p class="small" data-testid="campaign-preview-subject">
        <strong>Subject:</strong> {preview?.subject ?? '…'}
      </p>
      {preview ? (
        <iframe
          class={s.previewFrame}
          title="Preview of the HTML email"
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          srcdoc={`<base target="_blank">${preview.html}`}
          data-testid="campaign-preview-frame"
        />
      ) : (
        <div class={`${s.previewFrame} ${s.previewEmpty}`} aria-hidden="true" />
      )}
      <details>
        <summary>Text part</summary>
        <pre class={s.previewText} data-testid="campaign-preview-text">
          {preview?.text ?? ''}
        </pre>
      </details>
    </section>
  );
}
