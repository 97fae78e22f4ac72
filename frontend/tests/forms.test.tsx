// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api';
import { actionsColumn, DataTable, linkColumn, rowActions, type Column } from '../src/components/DataTable';
import { ConfirmAction, DeleteAction, DeleteButton } from '../src/components/Dialog';
import { Field, SubmitActions, SubmitButton } from '../src/components/Field';
import { FormCard } from '../src/components/FormCard';
import { FormError } from '../src/components/FormError';
import { useDialog } from '../src/hooks/useDialog';
import { useForm } from '../src/hooks/useForm';
import type { FieldErrors } from '../src/validation';

let root: HTMLElement;

beforeEach(() => {
  root = document.createElement('div');
  document.body.appendChild(root);
});

afterEach(() => {
  render(null, root);
  root.remove();
});

const byTestId = (id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`);

async function show(ui: preact.ComponentChild) {
  await act(() => render(ui, root));
}

async function type(id: string, value: string) {
  const input = byTestId(id) as HTMLInputElement;
  await act(() => {
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function submit() {
  await act(() => {
    root.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  });
}

/** Let pending promises and animation frames run. */
async function settle() {
  await act(() => new Promise<void>((resolve) => setTimeout(resolve, 30)));
}

/** A deferred promise: the test decides when the "server" answers. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function EmailForm({ send, refusal }: { send: (email: string) => Promise<string>; refusal?: (err: ApiError) => FieldErrors<'email'> | null }) {
  const f = useForm<{ email: string; name: string }, string>('t', { email: '', name: '' });
  const onSubmit = f.handler({
    validate: () => ({ name: f.values.name ? null : 'Enter a name.', email: f.values.email.includes('@') ? null : 'Enter an email address.' }),
    send: () => send(f.values.email),
    ...(refusal ? { refusal } : {}),
  });
  return (
    <form ref={f.form} onSubmit={onSubmit} noValidate>
      <FormError error={f.error} testid="t-form-error" />
      <Field {...f.field('name')} label="Name" type="text" />
      <Field {...f.field('email')} label="Email" type="email" />
      <SubmitButton sending={f.sending} busyLabel="Sending…" testid="t-submit">
        Send
      </SubmitButton>
      <span data-testid="t-result">{f.result ?? ''}</span>
    </form>
  );
}

describe('useSubmit / useForm', () => {
  it('Given fields that fail their checks, when the form is sent, then each says why, nothing is sent and the first one has focus', async () => {
    const sent: string[] = [];
    const send = async (email: string) => {
      sent.push(email);
      return 'ok';
    };
    await show(<EmailForm send={send} />);
    await type('t-email', 'not an address');
    await submit();
    await settle();
    expect(byTestId('t-name-error')?.textContent).toBe('Enter a name.');
    expect(byTestId('t-email-error')?.textContent).toBe('Enter an email address.');
    expect(byTestId('t-name')?.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(byTestId('t-name'));
    expect(sent).toEqual([]);
  });

  it('Given a send in flight, when the form is sent again, then it is sent once, says so on its button, and shows the answer', async () => {
    const answer = deferred<string>();
    const sent: string[] = [];
    await show(
      <EmailForm
        send={(e) => {
          sent.push(e);
          return answer.promise;
        }}
      />,
    );
    await type('t-name', 'Ada');
    await type('t-email', 'ada@example.com');
    await submit();
    await submit();
    expect(sent).toEqual(['ada@example.com']);
    expect(byTestId('t-submit')?.textContent).toBe('Sending…');
    expect((byTestId('t-submit') as HTMLButtonElement).disabled).toBe(true);
    await act(async () => answer.resolve('Added ada@example.com.'));
    await settle();
    expect(byTestId('t-submit')?.textContent).toBe('Send');
    expect(byTestId('t-result')?.textContent).toBe('Added ada@example.com.');
  });

  it('Given a success shown, when a field is edited, then the success goes away', async () => {
    await show(<EmailForm send={async () => 'Saved.'} />);
    await type('t-name', 'Ada');
    await type('t-email', 'ada@example.com');
    await submit();
    await settle();
    expect(byTestId('t-result')?.textContent).toBe('Saved.');
    await type('t-email', 'grace@example.com');
    expect(byTestId('t-result')?.textContent).toBe('');
  });

  it('Given a refusal about one field, when it comes back, then it shows on that field and not above the form', async () => {
    await show(
      <EmailForm
        send={() => Promise.reject(new ApiError(409, 'subscriber_exists', 'Exists'))}
        refusal={(err) => (err.code === 'subscriber_exists' ? { email: 'This address is already on the list.' } : null)}
      />,
    );
    await type('t-name', 'Ada');
    await type('t-email', 'ada@example.com');
    await submit();
    await settle();
    expect(byTestId('t-email-error')?.textContent).toBe('This address is already on the list.');
    expect(byTestId('t-form-error')).toBeNull();
    expect(document.activeElement).toBe(byTestId('t-email'));
  });

  it('Given any other refusal, when it comes back, then it shows above the form with the server’s word on each field', async () => {
    const refusal = new ApiError(422, 'validation_error', 'Check the fields.', [{ loc: ['body', 'email'], msg: 'Not deliverable.' }]);
    await show(<EmailForm send={() => Promise.reject(refusal)} />);
    await type('t-name', 'Ada');
    await type('t-email', 'ada@example.com');
    await submit();
    await settle();
    expect(byTestId('t-form-error')?.textContent).toContain('Check the fields.');
    expect(byTestId('t-email-error')?.textContent).toBe('Not deliverable.');
    expect(byTestId('t-submit')?.textContent).toBe('Send');
  });
});

/** Render a confirmation (test id `x-delete`) whose `onDone` counts, and confirm it: how many times it was done. */
async function confirmed(dialog: (onDone: () => void) => preact.ComponentChild): Promise<number> {
  let done = 0;
  await show(dialog(() => done++));
  await act(() => byTestId('x-delete-confirm')!.click());
  await settle();
  return done;
}

const refusing = (status: number, code: string, message: string) => () => Promise.reject(new ApiError(status, code, message));

describe('ConfirmAction', () => {
  it('Given the thing was already gone, when the action is confirmed, then it counts as done', async () => {
    const done = await confirmed((onDone) => (
      <ConfirmAction title="Delete?" confirmLabel="Delete" action={refusing(404, 'list_not_found', 'Gone')} doneCode="list_not_found" onDone={onDone} onCancel={() => undefined} testid="x-delete">
        <p>Sure?</p>
      </ConfirmAction>
    ));
    expect(done).toBe(1);
    expect(byTestId('x-delete-error')).toBeNull();
  });

  it('Given another refusal, when the action is confirmed, then the dialog says why under `<testid>-error`', async () => {
    const messages = { campaign_not_deletable: 'It is sending.' };
    const done = await confirmed((onDone) => (
      <ConfirmAction title="Delete?" confirmLabel="Delete" action={refusing(409, 'campaign_not_deletable', 'No')} onDone={onDone} onCancel={() => undefined} testid="x-delete" messages={messages}>
        <p>Sure?</p>
      </ConfirmAction>
    ));
    expect(done).toBe(0);
    expect(byTestId('x-delete-error')?.textContent).toContain('It is sending.');
  });
});

describe('DeleteAction', () => {
  it('Given a thing, then it asks "Delete this <thing>?", and `<thing>_not_found` on confirm counts as done', async () => {
    const done = await confirmed((onDone) => (
      <DeleteAction thing="form" action={refusing(404, 'form_not_found', 'Gone')} onDone={onDone} onCancel={() => undefined} testid="x-delete">
        <p>Sure?</p>
      </DeleteAction>
    ));
    expect(done).toBe(1);
    expect(byTestId('x-delete-dialog')?.querySelector('h2')?.textContent).toBe('Delete this form?');
    expect(byTestId('x-delete-confirm')?.textContent).toBe('Delete');
  });

  it('Given another thing’s "not found", when the action is confirmed, then it is a refusal shown in the dialog', async () => {
    const done = await confirmed((onDone) => (
      <DeleteAction thing="list" confirmLabel="Delete list" action={refusing(404, 'form_not_found', 'No such form.')} onDone={onDone} onCancel={() => undefined} testid="x-delete">
        <p>Sure?</p>
      </DeleteAction>
    ));
    expect(done).toBe(0);
    expect(byTestId('x-delete-confirm')?.textContent).toBe('Delete list');
    expect(byTestId('x-delete-error')?.textContent).toContain('No such form.');
  });
});

describe('SubmitActions', () => {
  it('Given a send running, then the button says so; once done, the status beside it says what it did', async () => {
    await show(<SubmitActions sending busyLabel="Saving…" testid="t-save" label="Save" done="" doneTestid="t-saved" />);
    expect(byTestId('t-save')?.textContent).toBe('Saving…');
    expect((byTestId('t-save') as HTMLButtonElement).disabled).toBe(true);
    expect(byTestId('t-saved')?.getAttribute('role')).toBe('status');
    expect(byTestId('t-saved')?.textContent).toBe('');
    await show(
      <SubmitActions sending={false} busyLabel="Saving…" testid="t-save" label="Save" done="Saved." doneTestid="t-saved">
        <button type="button" data-testid="t-other">
          Other
        </button>
      </SubmitActions>,
    );
    expect(byTestId('t-save')?.textContent).toBe('Save');
    expect(byTestId('t-saved')?.textContent).toBe('Saved.');
    const order = [...root.querySelectorAll('.form__actions > *')].map((el) => el.getAttribute('data-testid'));
    expect(order).toEqual(['t-save', 't-other', 't-saved']);
  });
});

describe('DataTable', () => {
  interface Row {
    id: string;
    name: string;
    count: number;
  }
  const columns: Column<Row>[] = [
    { header: 'Name', class: 'cell--strong', testid: 'row-name', cell: (r) => r.name },
    { header: 'Count', num: true, cell: (r) => r.count },
    actionsColumn((r) => <button type="button">Edit {r.name}</button>),
  ];

  it('Given rows, then each has one cell per column, labelled for phones except the actions', async () => {
    await show(
      <DataTable columns={columns} rows={[{ id: 'a', name: 'Ada', count: 3 }]} rowKey={(r) => r.id} label="People" testid="people" rowTestid="person" />,
    );
    const headers = [...root.querySelectorAll('th')].map((th) => th.textContent);
    expect(headers).toEqual(['Name', 'Count', 'Actions']);
    expect(root.querySelector('th:nth-child(2)')?.className).toBe('num');
    const cells = [...byTestId('person')!.querySelectorAll('td')];
    expect(cells.map((td) => td.getAttribute('data-label'))).toEqual(['Name', 'Count', null]);
    expect(cells.map((td) => td.className)).toEqual(['cell--strong', 'num', 'actions']);
    expect(byTestId('row-name')?.textContent).toBe('Ada');
    expect(root.querySelector('[role="region"]')?.getAttribute('aria-label')).toBe('People');
  });

  it('Given no rows, then the "nothing here" row spans the table, and without `empty` there is none', async () => {
    await show(<DataTable columns={columns} rows={[]} rowKey={(r) => r.id} label="People" testid="people" empty="Nobody yet." emptyTestid="people-empty" />);
    expect(byTestId('people-empty')?.textContent).toBe('Nobody yet.');
    expect(byTestId('people-empty')?.getAttribute('colspan')).toBe('3');
    await show(<DataTable columns={columns} rows={[]} rowKey={(r) => r.id} label="People" testid="people" />);
    expect(root.querySelectorAll('tbody tr')).toHaveLength(0);
  });
});

describe('rowActions and linkColumn', () => {
  interface Thing {
    id: string;
    name: string;
    note: string;
    draft: boolean;
  }
  const rows: Thing[] = [
    { id: 'a', name: 'Ada', note: 'first', draft: true },
    { id: 'b', name: 'Bob', note: '', draft: false },
  ];

  it('Given actions, then each row has its buttons named after the row, only where `shown` says so, and the click gets the row', async () => {
    const clicked: string[] = [];
    const columns: Column<Thing>[] = [
      { header: 'Name', cell: (r) => r.name },
      rowActions((r: Thing) => r.name, [
        { text: 'Edit', onClick: (r) => clicked.push(`edit ${r.id}`), testid: 't-edit' },
        { text: 'Delete', onClick: (r) => clicked.push(`delete ${r.id}`), testid: 't-delete', danger: true, shown: (r) => r.draft },
        { text: 'Copy', onClick: () => undefined, testid: 't-copy', label: (r) => `Copy ${r.id} elsewhere` },
      ]),
    ];
    await show(<DataTable columns={columns} rows={rows} rowKey={(r) => r.id} label="Things" testid="things" rowTestid="thing" />);
    const [ada, bob] = [...root.querySelectorAll('[data-testid="thing"]')];
    const labels = (row: Element) => [...row.querySelectorAll('button')].map((b) => b.getAttribute('aria-label'));
    expect(labels(ada!)).toEqual(['Edit Ada', 'Delete Ada', 'Copy a elsewhere']);
    expect(labels(bob!)).toEqual(['Edit Bob', 'Copy b elsewhere']);
    expect(ada!.querySelector('[data-testid="t-delete"]')?.className).toContain('btn--danger-outline');
    expect(ada!.querySelector('[data-testid="t-edit"]')?.className).not.toContain('danger');
    await act(() => (bob!.querySelector('[data-testid="t-edit"]') as HTMLElement).click());
    await act(() => (ada!.querySelector('[data-testid="t-delete"]') as HTMLElement).click());
    expect(clicked).toEqual(['edit b', 'delete a']);
  });

  it('Given a link column, then the name links to its page, with the note under it only when there is one', async () => {
    const columns: Column<Thing>[] = [linkColumn('Name', { href: (r) => `/things/${r.id}`, name: (r) => r.name, testid: 't-link', note: (r) => r.note })];
    await show(<DataTable columns={columns} rows={rows} rowKey={(r) => r.id} label="Things" testid="things" rowTestid="thing" />);
    const links = [...root.querySelectorAll<HTMLAnchorElement>('[data-testid="t-link"]')];
    expect(links.map((a) => [a.getAttribute('href'), a.textContent])).toEqual([
      ['/things/a', 'Ada'],
      ['/things/b', 'Bob'],
    ]);
    const notes = [...root.querySelectorAll('[data-testid="thing"]')].map((row) => row.querySelector('.muted.small')?.textContent ?? null);
    expect(notes).toEqual(['first', null]);
    expect(root.querySelector('td')?.className).toBe('cell--wrap');
  });
});

describe('FormCard', () => {
  function ThingForm({ send, saves, loadError }: { send: () => Promise<unknown>; saves?: boolean; loadError?: unknown }) {
    const f = useForm('thing', { name: '' });
    const onSubmit = f.handler({ send });
    return saves ? (
      <FormCard form={f} onSubmit={onSubmit} title="Details" saves>
        <Field {...f.field('name')} label="Name" />
      </FormCard>
    ) : (
      <FormCard form={f} onSubmit={onSubmit} title="New thing" error={loadError} submit="Create" busy="Creating…">
        <Field {...f.field('name')} label="Name" />
      </FormCard>
    );
  }

  it('Given a create form, then its heading names it, its button is <prefix>-submit, a refusal shows in <prefix>-error, and there is no "Saved."', async () => {
    const answer = deferred<unknown>();
    await show(<ThingForm send={() => answer.promise} loadError={new ApiError(500, 'lists_failed', 'The lists did not load.')} />);
    const form = root.querySelector('form')!;
    expect(root.querySelector(`#${form.getAttribute('aria-labelledby')}`)?.textContent).toBe('New thing');
    expect(byTestId('thing-error')?.textContent).toContain('The lists did not load.');
    await submit();
    expect(byTestId('thing-submit')?.textContent).toBe('Creating…');
    expect(form.getAttribute('aria-busy')).toBe('true');
    await act(() => answer.reject(new ApiError(409, 'thing_exists', 'That name is taken.')));
    await settle();
    expect(byTestId('thing-error')?.textContent).toContain('That name is taken.');
    expect(byTestId('thing-submit')?.textContent).toBe('Create');
    expect(root.querySelector('[role="status"]')).toBeNull();
  });

  it('Given a form that saves in place, then its button is <prefix>-save and "Saved." shows in <prefix>-saved after a save', async () => {
    await show(<ThingForm send={() => Promise.resolve('ok')} saves />);
    expect(byTestId('thing-save')?.textContent).toBe('Save');
    expect(byTestId('thing-saved')?.textContent).toBe('');
    await submit();
    await settle();
    expect(byTestId('thing-saved')?.textContent).toBe('Saved.');
    await type('thing-name', 'Ada');
    expect(byTestId('thing-saved')?.textContent).toBe('');
  });
});

describe('useDialog and DeleteButton', () => {
  it('Given a dialog opened for a row, then `done` closes it and reloads the rows, once', async () => {
    const seen: string[] = [];
    function Rows() {
      const dialog = useDialog<'edit', string>();
      const editing = dialog.about('edit');
      return (
        <>
          <button type="button" data-testid="open" onClick={() => dialog.opener('edit')('ada')} />
          {editing && (
            <button type="button" data-testid="done" onClick={dialog.done(() => seen.push('reload'))}>
              {editing}
            </button>
          )}
        </>
      );
    }
    await show(<Rows />);
    await act(() => byTestId('open')!.click());
    expect(byTestId('done')?.textContent).toBe('ada');
    await act(() => byTestId('done')!.click());
    expect(byTestId('done')).toBeNull();
    expect(seen).toEqual(['reload']);
  });

  it('Given a page\'s Delete button, then it opens the dialog it is given, and that dialog\'s close closes it', async () => {
    await show(
      <DeleteButton
        testid="thing-delete"
        dialog={(close) => (
          <button type="button" data-testid="thing-delete-cancel" onClick={close}>
            Cancel
          </button>
        )}
      />,
    );
    expect(byTestId('thing-delete-cancel')).toBeNull();
    await act(() => byTestId('thing-delete')!.click());
    expect(byTestId('thing-delete-cancel')).not.toBeNull();
    await act(() => byTestId('thing-delete-cancel')!.click());
    expect(byTestId('thing-delete-cancel')).toBeNull();
  });
});
