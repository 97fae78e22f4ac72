/** A draft's content: autosaved 0.8 s after typing stops (or "Save"), the preview beside it, then the send actions. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Campaign } from '../../api';
import { templateErrorLines } from '../../campaigns';
import { CheckboxField } from '../../components/CheckboxField';
import { Field, SubmitButton } from '../../components/Field';
import { FormError } from '../../components/FormError';
import { ACTION_MESSAGES } from './messages';
import { Preview } from './Preview';
import { SendActions } from './SendActions';
import s from './style.module.css';

const AUTOSAVE_MS = 800;

type Part = 'subject' | 'from' | 'reply-to' | 'html' | 'text';

/** A body's textarea, in a monospaced font, described by the merge-tag hint. */
function CodeArea({ id, label, rows, value, onValue }: { id: string; label: string; rows: number; value: string; onValue: (v: string) => void }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea
        id={id}
        class="input textarea textarea--code"
        rows={rows}
        spellcheck={false}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        aria-describedby="campaign-merge-hint"
        data-testid={id}
      />
    </div>
  );
}

type SaveState = 'saved' | 'dirty' | 'saving' | 'error';

export function Editor({ campaign, onChange }: { campaign: Campaign; onChange: (c: Campaign) => void }) {
  // by the ids' suffixes: `campaign-<name>`
  const [content, setContent] = useState<Record<Part, string>>(() => ({
    subject: campaign.subject,
    from: campaign.from_name ?? '',
    'reply-to': campaign.reply_to ?? '',
    html: campaign.html_body ?? '',
    text: campaign.text_body ?? '',
  }));
  const [track, setTrack] = useState(campaign.track);
  const [saveState, setSaveState] = useState<SaveState>('saved');
  const [templateErrors, setTemplateErrors] = useState<string[]>([]);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [previewTick, setPreviewTick] = useState(0);
  const version = useRef(0);
  const values = {
    subject: content.subject,
    from_name: content.from,
    reply_to: content['reply-to'].trim() || null,
    html_body: content.html,
    text_body: content.text,
    track,
  };
  const valuesRef = useRef(values);
  valuesRef.current = values;

  /** The id, value and onValue of one part's control; an edit makes the content dirty. */
  const bind = (part: Part) => ({
    id: `campaign-${part}`,
    value: content[part],
    onValue: (v: string) => {
      setContent((c) => ({ ...c, [part]: v }));
      version.current++;
      setSaveState('dirty');
    },
  });

  function onTrack(checked: boolean) {
    setTrack(checked);
    version.current++;
    setSaveState('dirty');
  }

  /** PATCH the current values; true when they are saved (and the preview is refreshed). */
  const save = useCallback(async (): Promise<boolean> => {
    const at = version.current;
    setSaveState('saving');
    setSaveError(null);
    try {
      const c = await api.updateCampaign(campaign.id, valuesRef.current);
      setTemplateErrors([]);
      onChange(c);
      setSaveState(version.current === at ? 'saved' : 'dirty');
      setPreviewTick((t) => t + 1);
      return version.current === at;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'template_error') {
        const lines = templateErrorLines(err.details);
        setTemplateErrors(lines.length ? lines : [err.message]);
      } else {
        setSaveError(err);
      }
      setSaveState('error');
      return false;
    }
  }, [campaign.id, onChange]);

  // autosave after a pause in typing, so the preview follows the text
  useEffect(() => {
    if (saveState !== 'dirty') return;
    const t = setTimeout(() => void save(), AUTOSAVE_MS);
    return () => clearTimeout(t);
  }, [content, track, saveState, save]);

  return (
    <>
      <div class={`grid-2 ${s.editor}`}>
        <form
          class="card form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
          noValidate
          aria-labelledby="campaign-content-heading"
        >
          <h2 id="campaign-content-heading">Content</h2>
          <Field {...bind('subject')} label="Subject" type="text" required autoComplete="off" />
          <div class="form__row">
            <Field {...bind('from')} label="From name" type="text" autoComplete="off" />
            <Field {...bind('reply-to')} label="Reply-to" type="email" autoComplete="off" />
          </div>
          <CodeArea {...bind('html')} label="HTML body" rows={12} />
          <CodeArea {...bind('text')} label="Text body" rows={6} />
          <div class="field__hint" id="campaign-merge-hint" data-testid="campaign-merge-hint">
            Merge tags: <code>{'{{ subscriber.name }}'}</code>, <code>{'{{ subscriber.email }}'}</code>,{' '}
            <code>{'{{ subscriber.attributes.x }}'}</code> (an attribute named <code>x</code>), <code>{'{{ campaign.name }}'}</code>,{' '}
            <code>{'{{ unsubscribe_url }}'}</code> (every email should link to it) and <code>{'{{ preferences_url }}'}</code> (the reader&apos;s
            preference centre). Unknown names render empty.
          </div>
          <CheckboxField
            id="campaign-track"
            checked={track}
            onChecked={onTrack}
            hint={
              'SES adds an invisible image and rewrites links to count who opens and clicks; turn it off for privacy. ' +
              'To leave one link untracked, give it the attribute ses:no-track: <a ses:no-track href="…">. ' +
              'The unsubscribe and preference links are never tracked.'
            }
          >
            Track opens and clicks
          </CheckboxField>
          {templateErrors.length > 0 && (
            <div class="alert alert--error" role="alert" data-testid="campaign-template-error">
              <p>The template has an error:</p>
              <ul>
                {templateErrors.map((l) => (
                  <li key={l}>{l}</li>
                ))}
              </ul>
            </div>
          )}
          <FormError error={saveError} testid="campaign-save-error" messages={ACTION_MESSAGES} />
          <div class="form__actions">
            <SubmitButton sending={saveState === 'saving'} busyLabel="Saving…" testid="campaign-save">
              Save
            </SubmitButton>
            <span class="muted small" role="status" data-testid="campaign-save-state" data-state={saveState}>
              {saveState === 'saved' ? 'All changes saved.' : saveState === 'dirty' ? 'Unsaved changes…' : saveState === 'saving' ? 'Saving…' : 'Not saved.'}
            </span>
          </div>
        </form>
        <Preview campaignId={campaign.id} tick={previewTick} onTemplateErrors={setTemplateErrors} />
      </div>
      <SendActions campaign={campaign} onChange={onChange} beforeSend={async () => (saveState === 'saved' ? true : save())} />
    </>
  );
}
