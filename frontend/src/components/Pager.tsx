import { hasPrevious, pageNumber, type CursorStack } from '../paging';

export interface PagerProps {
  stack: CursorStack;
  nextCursor: string | null;
  loading: boolean;
  onPrevious: () => void;
  onNext: () => void;
  /** prefix of the test ids: `<testid>-prev`, `<testid>-next`, `<testid>-page` */
  testid: string;
  label: string;
}

/** Previous / page n / Next under a table. */
export function Pager({ stack, nextCursor, loading, onPrevious, onNext, testid, label }: PagerProps) {
  if (!hasPrevious(stack) && !nextCursor) return null;
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" class="btn" onClick={onPrevious} disabled={loading || !hasPrevious(stack)} data-testid={`${testid}-prev`}>
        <span aria-hidden="true">←</span> Previous
      </button>
      <span class="muted" data-testid={`${testid}-page`} aria-live="polite">
        Page {pageNumber(stack)}
      </span>
      <button type="button" class="btn" onClick={onNext} disabled={loading || !nextCursor} data-testid={`${testid}-next`}>
        Next <span aria-hidden="true">→</span>
      </button>
    </nav>
  );
}
