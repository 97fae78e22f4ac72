/** The stored campaign rendered for a sample subscriber: subject, HTML in a sandboxed frame, text part. */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type CampaignPreview } from '../../api';
import { templateErrorLines } from '../../campaigns';
import { FormError } from '../../components/FormError';
import { MailPreview } from '../../components/MailPreview';

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
      <MailPreview preview={preview} testid="campaign-preview" />
    </section>
  );
}
