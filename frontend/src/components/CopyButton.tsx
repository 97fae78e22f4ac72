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
