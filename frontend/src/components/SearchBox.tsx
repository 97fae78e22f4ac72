import type { ComponentChildren } from 'preact';

export interface SearchBoxProps {
  /** the input's id and test id */
  id: string;
  value: string;
  onValue: (value: string) => void;
  /** its name for screen readers (the label is visually hidden) */
  label?: string;
  placeholder?: string;
  class?: string;
  children?: ComponentChildren;
}

/** A search input with a hidden label, beside a table's heading. */
export function SearchBox({ id, value, onValue, label = 'Search by email', placeholder = 'Search by email (starts with…)', class: cls = 'search', children }: SearchBoxProps) {
  return (
    <div class={cls}>
      <label for={id} class="visually-hidden">
        {label}
      </label>
      <input
        id={id}
        type="search"
        class="input"
        placeholder={placeholder}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        autoComplete="off"
        spellcheck={false}
        data-testid={id}
      />
      {children}
    </div>
  );
}
