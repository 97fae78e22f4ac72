/** A card with a heading, a page of rows from `usePaged` in a DataTable, and the Pager under it. */
import type { ComponentChildren } from 'preact';
import type { Paged } from '../hooks/usePaged';
import { DataTable, keyOf, type DataTableBaseProps, type RowKey } from './DataTable';
import { FormError } from './FormError';
import { Pager } from './Pager';

export type PagedTableProps<T> = PagedTableBaseProps<T> & RowKey<T>;

export interface PagedTableBaseProps<T> extends Omit<DataTableBaseProps<T>, 'rows' | 'testid' | 'emptyTestid' | 'loading' | 'label'> {
  paged: Paged<T>;
  /** the card's heading; also the table's name for screen readers unless `label` says otherwise */
  title: string;
  label?: string;
  /** beside the heading: a search box, a button, a "Loading…" */
  tools?: ComponentChildren;
  /** prefix of the test ids (`<testid>-table`, `-empty`, `-error`, `-pager-prev|next|page`) and of the heading's id */
  testid: string;
  /** shown until the first page arrives */
  loadingText?: string;
}

/** A card--flush section with a head: the frame of every table on the app's screens. */
export function TableCard({ title, headingId, tools, children }: { title: string; headingId: string; tools?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section class="card card--flush" aria-labelledby={headingId}>
      <div class="card__head card__head--wrap">
        <h2 id={headingId}>{title}</h2>
        {tools}
      </div>
      {children}
    </section>
  );
}

export function PagedTable<T>(props: PagedTableProps<T>) {
  const { paged, title, label = title, tools, testid, loadingText, ...table } = props;
  return (
    <TableCard title={title} headingId={`${testid}-heading`} tools={tools}>
      <FormError error={paged.error} testid={`${testid}-error`} />
      {!paged.loaded && paged.loading && loadingText && (
        <p class="loading card__pad" role="status">
          {loadingText}
        </p>
      )}
      {paged.loaded && (
        <DataTable
          {...table}
          rowKey={keyOf<T>(props)}
          rows={paged.items}
          label={label}
          testid={`${testid}-table`}
          emptyTestid={`${testid}-empty`}
          loading={paged.loading}
        />
      )}
      <Pager
        stack={paged.stack}
        nextCursor={paged.nextCursor}
        loading={paged.loading}
        onPrevious={paged.previous}
        onNext={paged.next}
        testid={`${testid}-pager`}
        label={`Pages of ${label.toLowerCase()}`}
      />
    </TableCard>
  );
}
