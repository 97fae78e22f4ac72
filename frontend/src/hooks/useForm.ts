/** A form's text values bound to its Fields, on top of useSubmit's state machine. */
import { useState } from 'preact/hooks';
import { useSubmit, type Submit } from './useSubmit';

/**
 * `V`: the text values, one Field each; `R`: what a successful send resolves to; `E`: more
 * error keys than there are values (e.g. an editor that is not a text field).
 */
export interface Form<V extends Record<string, string>, R = unknown, E extends string = never> extends Submit<(keyof V & string) | E, R> {
  values: V;
  /** set a value from code (a fresh copy from the server); a person's edit goes through `field` */
  set: (name: keyof V & string, value: string) => void;
  /** back to the first values (after an add, for the next one) */
  reset: () => void;
  /** `<prefix>-<suffix>`: the id of a control of this form */
  id: (suffix: string) => string;
  /**
   * the props of the Field (or SelectField) for one value: id `<prefix>-<suffix>`, value, error,
   * and onValue, an edit: it hides the last success ("Saved.") and calls `onEdit`
   */
  field: (name: keyof V & string, idSuffix?: string) => { id: string; value: string; onValue: (value: string) => void; error: string | undefined };
}

export function useForm<V extends Record<string, string>, R = unknown, E extends string = never>(
  idPrefix: string,
  initial: V,
  { onEdit }: { onEdit?: () => void } = {},
): Form<V, R, E> {
  const submit = useSubmit<(keyof V & string) | E, R>();
  const [values, setValues] = useState<V>(initial);
  const set = (name: keyof V & string, value: string) => setValues((v) => ({ ...v, [name]: value }));
  return {
    ...submit,
    values,
    set,
    reset: () => setValues(initial),
    id: (suffix) => `${idPrefix}-${suffix}`,
    field: (name, idSuffix = name) => ({
      id: `${idPrefix}-${idSuffix}`,
      value: values[name] ?? '',
      onValue: (value) => {
        set(name, value);
        submit.setResult(null);
        onEdit?.();
      },
      error: submit.errors[name],
    }),
  };
}
