import type { ContactList } from '../api';
import { formatCount } from '../format';
import { Link } from '../router';
import { SelectField } from './SelectField';

export interface ListPickerProps {
  id: string;
  label: string;
  /** the account's lists; null while they load */
  lists: ContactList[] | null;
  value: string;
  onValue: (id: string) => void;
  error?: string | undefined;
}

/** A select of the account's lists (name and size), or a pointer to /lists when there is none. */
export function ListPicker({ id, label, lists, value, onValue, error }: ListPickerProps) {
  if (lists && lists.length === 0) {
    return (
      <p class="field__error" data-testid={`${id}-error`}>
        You have no lists yet. <Link href="/lists">Create a list</Link> first: a campaign is sent to one list.
      </p>
    );
  }
  const options = (lists ?? []).map((l) => ({ value: l.id, label: `${l.name} (${formatCount(l.subscriber_count)})` }));
  return (
    <SelectField id={id} label={label} value={value} options={options} onValue={onValue} error={error} hint={lists ? undefined : 'Loading your lists…'} />
  );
}
