import { Fragment } from 'preact';
import type { AttributeRow } from '../validation';

/** The two inputs of a row: the attribute's name (the row's `key`) and its value. */
const PARTS = [
  { part: 'key', word: 'name', maxLength: 64 },
  { part: 'value', word: 'value', maxLength: undefined },
] as const;

export interface AttributesEditorProps {
  rows: AttributeRow[];
  onRows: (rows: AttributeRow[]) => void;
  /** prefix of ids and test ids: `<prefix>-key-<i>`, `<prefix>-value-<i>`, `<prefix>-remove-<i>`, `<prefix>-add` */
  prefix: string;
  error?: string | undefined;
  /** the row the error is about (-1: the whole set) */
  errorRow?: number;
}

/** Attributes as key / value rows; values are text (a loaded number stays a number if untouched). */
export function AttributesEditor({ rows, onRows, prefix, error, errorRow = -1 }: AttributesEditorProps) {
  const errorId = error ? `${prefix}-error` : undefined;
  const set = (i: number, patch: Partial<AttributeRow>) => onRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset class="attrs" aria-describedby={errorId}>
      <legend>Attributes</legend>
      {rows.length === 0 && <p class="muted small">No attributes. They can be used to personalise campaigns.</p>}
      {rows.length > 0 && (
        <div class="attrs__grid">
          {rows.map((r, i) => {
            const bad = !!error && (errorRow === i || errorRow === -1);
            return (
              <div class="attrs__row" key={i}>
                {PARTS.map(({ part, word, maxLength }) => (
                  <Fragment key={part}>
                    <label class="visually-hidden" for={`${prefix}-${part}-${i}`}>
                      Attribute {i + 1} {word}
                    </label>
                    <input
                      id={`${prefix}-${part}-${i}`}
                      class="input"
                      placeholder={word}
                      value={r[part]}
                      maxLength={maxLength}
                      onInput={(e) => set(i, { [part]: e.currentTarget.value })}
                      aria-invalid={bad && part === 'key' ? 'true' : undefined}
                      data-testid={`${prefix}-${part}-${i}`}
                    />
                  </Fragment>
                ))}
                <button
                  type="button"
                  class="btn btn--ghost btn--icon"
                  onClick={() => onRows(rows.filter((_, j) => j !== i))}
                  aria-label={`Remove attribute ${r.key || i + 1}`}
                  data-testid={`${prefix}-remove-${i}`}
                >
                  ×
                </button>
              </div>
            );
          })}
        </div>
      )}
      {error && (
        <p class="field__error" id={errorId} data-testid={`${prefix}-error`}>
          {error}
        </p>
      )}
      <button type="button" class="btn btn--small" onClick={() => onRows([...rows, { key: '', value: '' }])} data-testid={`${prefix}-add`}>
        + Add attribute
      </button>
    </fieldset>
  );
}
