import { formatDate, formatDateTime } from '../format';

/** A moment in the reader's locale ("—" when unknown), machine-readable in `dateTime`; `date` shows the day only. */
export function Time({ at, date, class: cls }: { at: string | null | undefined; date?: boolean; class?: string }) {
  return (
    <time class={cls} dateTime={at ?? undefined}>
      {date ? formatDate(at) : formatDateTime(at)}
    </time>
  );
}
