/** A card with a heading, a page of rows from `usePaged` in a DataTable, and the Pager under it; SearchTable adds an email-prefix search. */
import type { ComponentChildren } from 'preact';
import type { Paged, SearchPaged } from '../hooks/usePaged';
import { DataTable, keyOf, type DataTableBaseProps, type RowKey } from './DataTable';
import { FormError } from './FormError';
import { Pager } from './Pager';
import { SearchBox } from './SearchBox';

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

export type SearchTableProps<T> = Omit<PagedTableBaseProps<T>, 'paged' | 'tools' | 'empty'> &
  RowKey<T> & {
    /** useSearchPaged's state */
    search: SearchPaged<T>;
    /** the search box's id and test id */
    searchId: string;
    /** the "nothing here" row for the prefix searched ('' before any search) */
    empty: (prefix: string) => string;
  };

/** A PagedTable over an email-prefix search: the search box beside the heading, "nothing here" naming the prefix. */
export function SearchTable<T>(props: SearchTableProps<T>) {
  const { search, searchId, empty, ...table } = props;
  return (
    <PagedTable
      {...table}
      rowKey={keyOf<T>(props)}
      paged={search.paged}
      tools={<SearchBox id={searchId} value={search.search} onValue={search.setSearch} />}
      empty={empty(search.prefix)}
    />
  );
}
