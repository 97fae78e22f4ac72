import type { ComponentChildren } from 'preact';

export interface CheckboxFieldProps {
  id: string;
  checked: boolean;
  onChecked: (checked: boolean) => void;
  children: ComponentChildren;
  hint?: string;
  disabled?: boolean;
  testid?: string;
}

/** A checkbox with its label after it (and a hint under both). */
export function CheckboxField({ id, checked, onChecked, children, hint, disabled, testid = id }: CheckboxFieldProps) {
  return (
    <div class="field field--check">
      <label for={id} class="check">
        <input
          id={id}
          type="checkbox"
          checked={checked}
          disabled={disabled}
          onChange={(e) => onChecked(e.currentTarget.checked)}
          aria-describedby={hint ? `${id}-hint` : undefined}
          data-testid={testid}
        />{' '}
        {children}
      </label>
      {hint && (
        <div class="field__hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
    </div>
  );
}
