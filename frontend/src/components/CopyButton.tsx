import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/** A button that copies `text` to the clipboard, then says "Copied." beside it. */
export function CopyButton({ text, testid, children }: { text: string; testid: string; children: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    await navigator.clipboard.writeText(text);
    setCopied(true);
  }
  return (
    <>
      <span class="saved" role="status" data-testid={`${testid}-status`}>
        {copied ? 'Copied.' : ''}
      </span>
      <button type="button" class="btn btn--primary" onClick={() => void copy()} data-testid={testid}>
        {children}
      </button>
    </>
  );
}

/** A read-only value to copy (a secret, a snippet): its label, the value (`id`), then the copy button and any other buttons. */
export function CopyField({
  id,
  label,
  value,
  multiline,
  copyLabel,
  copyTestid,
  children,
}: {
  id: string;
  label: string;
  value: string;
  /** a snippet of several lines */
  multiline?: boolean;
  copyLabel: string;
  copyTestid: string;
  children?: ComponentChildren;
}) {
  return (
    <>
      <div class="field">
        <label for={id}>{label}</label>
        {multiline ? (
          <textarea id={id} class="input textarea snippet" readOnly value={value} data-testid={id} />
        ) : (
          <input id={id} class="input" readOnly value={value} data-testid={id} />
        )}
      </div>
      <div class="form__actions form__actions--end">
        <CopyButton text={value} testid={copyTestid}>
          {copyLabel}
        </CopyButton>
        {children}
      </div>
    </>
  );
}
