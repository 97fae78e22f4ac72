/** A rendered email (campaign or template preview): subject, the HTML in a sandboxed frame, the text part. */
import type { CampaignPreview } from '../api';
import s from './MailPreview.module.css';

/** `testid` prefixes the parts' test ids: `<testid>-subject`, `-frame`, `-text`. */
export function MailPreview({ preview, testid }: { preview: CampaignPreview | null; testid: string }) {
  return (
    <>
      <p class="small" data-testid={`${testid}-subject`}>
        <strong>Subject:</strong> {preview?.subject ?? '…'}
      </p>
      {preview ? (
        <iframe
          class={s.frame}
          title="Preview of the HTML email"
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          srcdoc={`<base target="_blank">${preview.html}`}
          data-testid={`${testid}-frame`}
        />
      ) : (
        <div class={`${s.frame} ${s.empty}`} aria-hidden="true" />
      )}
      <details>
        <summary>Text part</summary>
        <pre class={s.text} data-testid={`${testid}-text`}>
          {preview?.text ?? ''}
        </pre>
      </details>
    </>
  );
}
