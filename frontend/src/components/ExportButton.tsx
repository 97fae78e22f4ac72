import type { Export } from '../hooks/useExport';

/** "Export CSV", "Exporting…" while the file comes (its refusal is the screen's FormError of `exporting.error`). */
export function ExportButton({ exporting, small, testid }: { exporting: Export; small?: boolean; testid: string }) {
  return (
    <button type="button" class={small ? 'btn btn--small' : 'btn'} onClick={exporting.start} disabled={exporting.sending} data-testid={testid}>
      {exporting.sending ? 'Exporting…' : 'Export CSV'}
    </button>
  );
}
