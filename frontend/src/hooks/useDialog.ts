import { useState } from 'preact/hooks';

/** Which of a screen's dialogs is open, and about which row: one at a time. */
export function useDialog<K extends string, T>() {
  const [shown, setShown] = useState<{ kind: K; item: T } | null>(null);
  const close = () => setShown(null);
  return {
    /** the row the `kind` dialog is open for, else null */
    about: (kind: K): T | null => (shown?.kind === kind ? shown.item : null),
    /** a handler that opens the `kind` dialog for a row */
    opener: (kind: K) => (item: T) => setShown({ kind, item }),
    close,
    /** a dialog's "done": close it, then `after` (reload the rows it changed) */
    done: (after: () => void) => (): void => {
      close();
      after();
    },
  };
}
