/** One table for every screen: columns as data, cards on phones, an optional "nothing here" row. */
import type { ComponentChildren } from 'preact';
import { Link } from '../router';

export interface Column<T> {
  /** the column heading */
  header: ComponentChildren;
  /** what one row shows in this column */
  cell: (row: T) => ComponentChildren;
  /**
   * the label before the value once the table turns into cards on phones (`data-label`);
   * defaults to the header when that is text; null for none (e.g. the actions)
   */
  label?: string | null;
  /** a number column: right-aligned, tabular figures (heading too) */
  num?: boolean;
  /** more classes of the cell: cell--strong, cell--wrap, cell--mono, actions */
  class?: string;
  /** the cell's data-testid */
  testid?: string;
}

/** A row's key: `rowKey`'s, or else (only for rows that have one) the row's `id`. */
export type RowKey<T> = { rowKey: (row: T) => string } | (T extends { id: string } ? { rowKey?: undefined } : never);

/** The key of a row: `rowKey`'s, else the row's `id`. */
export function keyOf<T>({ rowKey }: { rowKey?: (row: T) => string }): (row: T) => string {
  return rowKey ?? ((row) => (row as { id: string }).id);
}

export type DataTableProps<T> = DataTableBaseProps<T> & RowKey<T>;

export interface DataTableBaseProps<T> {
  columns: readonly Column<T>[];
  rows: readonly T[];
  /** the name of the scrollable region, for screen readers */
  label: string;
  testid: string;
  /** every row's data-testid */
  rowTestid?: string;
  /** more attributes of a row (class, data-*) */
  rowAttrs?: (row: T) => Record<string, string | undefined>;
  /** shown in one full-width row while there are no rows; absent: no such row */
  empty?: ComponentChildren;
  emptyTestid?: string;
  /** rows are being fetched: `aria-busy` on the region, `data-loading` on the table */
  loading?: boolean;
  dense?: boolean;
  /** one card per row on phones (default) */
  responsive?: boolean;
  caption?: string;
}

/** The visually hidden heading of a column of buttons. */
export function hiddenHeader(text: string) {
  return <span class="visually-hidden">{text}</span>;
}

/** A column of row buttons (Edit, Delete, …), right-aligned, without a phone label. */
export function actionsColumn<T>(cell: (row: T) => ComponentChildren): Column<T> {
  return { header: hiddenHeader('Actions'), label: null, class: 'actions', cell };
}

/** A button of `rowActions`. */
export interface RowAction<T> {
  /** its words: Edit, Delete, … */
  text: string;
  onClick: (row: T) => void;
  testid: string;
  /** it deletes or removes */
  danger?: boolean;
  /** its name for screen readers; default: its words and the row's name ("Edit Ada") */
  label?: (row: T) => string;
  /** only on the rows it says yes to (default: every row) */
  shown?: (row: T) => boolean;
}

/** The actions column of a table whose rows are named by `name`: a RowButton per action. */
export function rowActions<T>(name: (row: T) => string, actions: readonly RowAction<T>[]): Column<T> {
  return actionsColumn((row) =>
    actions
      .filter((a) => a.shown?.(row) ?? true)
      .map((a) => (
        <RowButton key={a.testid} onClick={() => a.onClick(row)} label={a.label?.(row) ?? `${a.text} ${name(row)}`} testid={a.testid} danger={a.danger}>
          {a.text}
        </RowButton>
      )),
  );
}

/** The column that names a row with a page of its own: the name as a link (`testid`), and a muted line under it when `note` has one. */
export function linkColumn<T>(
  header: string,
  { href, name, testid, note }: { href: (row: T) => string; name: (row: T) => string; testid: string; note?: (row: T) => string | null | undefined },
): Column<T> {
  return {
    header,
    class: 'cell--wrap',
    cell: (row) => {
      const line = note?.(row);
      return (
        <>
          <Link href={href(row)} class="cell--strong" data-testid={testid}>
            {name(row)}
          </Link>
          {line && <div class="muted small">{line}</div>}
        </>
      );
    },
  };
}

function cellLabel<T>(column: Column<T>): string | undefined {
  if (column.label !== undefined) return column.label ?? undefined;
  return typeof column.header === 'string' ? column.header : undefined;
}

export function DataTable<T>(props: DataTableProps<T>) {
  const { columns, rows, label, testid, rowTestid, rowAttrs, empty, emptyTestid, loading, dense, caption } = props;
  const rowKey = keyOf<T>(props);
  const responsive = props.responsive ?? true;
  const classes = ['table', responsive && 'table--responsive', dense && 'table--dense'].filter(Boolean).join(' ');
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={label} aria-busy={loading}>
      <table class={classes} data-testid={testid} data-loading={loading === undefined ? undefined : String(loading)}>
        {caption && <caption class="visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col" class={c.num ? 'num' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && empty !== undefined && (
            <tr>
              <td colSpan={columns.length} class="table__empty" data-testid={emptyTestid}>
                {empty}
              </td>
            </tr>
          )}
          {rows.map((row) => (
            <tr key={rowKey(row)} data-testid={rowTestid} {...rowAttrs?.(row)}>
              {columns.map((c, i) => (
                <td
                  key={i}
                  data-label={cellLabel(c)}
                  class={[c.num && 'num', c.class].filter(Boolean).join(' ') || undefined}
                  data-testid={c.testid}
                >
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A small button in a row's actions; `danger` for one that deletes or removes. */
export function RowButton({ onClick, label, testid, danger, children }: { onClick: () => void; label: string; testid: string; danger?: boolean; children: string }) {
  return (
    <button type="button" class={danger ? 'btn btn--small btn--danger-outline' : 'btn btn--small'} onClick={onClick} aria-label={label} data-testid={testid}>
      {children}
    </button>
  );
}
