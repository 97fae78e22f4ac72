/** A segment's page: its name, the lists it reads, its rule, the live count, save, export, delete. */
import { useState } from 'preact/hooks';
import { api, type Segment } from '../../api';
import { DeleteButton } from '../../components/Dialog';
import { DetailPage } from '../../components/DetailPage';
import { ExportButton } from '../../components/ExportButton';
import { Field } from '../../components/Field';
import { FormCard } from '../../components/FormCard';
import { DeleteSegmentDialog } from '../../components/SegmentDialogs';
import { SelectField } from '../../components/SelectField';
import { useAllLists } from '../../hooks/useAllLists';
import { useDetail } from '../../hooks/useDetail';
import { useForm } from '../../hooks/useForm';
import { navigate } from '../../router';
import { ruleFromRows, rowsFromRule, type ConditionRow } from '../../segments';
import { ConditionRows } from './ConditionRows';
import { LiveCount } from './LiveCount';

const MATCH = [
  { value: 'all', label: 'every condition (and)' },
  { value: 'any', label: 'any condition (or)' },
];

const MESSAGES = { list_not_found: 'That list no longer exists.', segment_not_found: 'This segment was deleted.' };

export function SegmentScreen({ params }: { params: Record<string, string> }) {
  const segment = useDetail(params.id ?? 'new', api.getSegment);
  return (
    <DetailPage thing="segment" name={segment.creating ? 'New segment' : (segment.item?.name ?? null)} loadError={segment.loadError}>
      {segment.ready && <SegmentEditor segment={segment.item} onSaved={segment.setItem} />}
    </DetailPage>
  );
}

function SegmentEditor({ segment, onSaved }: { segment: Segment | null; onSaved: (s: Segment) => void }) {
  const { lists, error: listsError } = useAllLists();
  const f = useForm('segment', { name: segment?.name ?? '', scope: segment?.list_id ?? '', match: segment?.rule.match ?? 'all' });
  const [rows, setRows] = useState<ConditionRow[]>(() => (segment ? rowsFromRule(segment.rule) : []));
  const rule = ruleFromRows(rows, f.values.match as 'all' | 'any');
  const listId = f.values.scope || null;
  const listName = (lid: string) => lists?.find((l) => l.id === lid)?.name ?? '—';
  const scopes = [{ value: '', label: 'All my lists' }, ...(lists ?? []).map((l) => ({ value: l.id, label: l.name }))];

  const onSubmit = f.handler({
    validate: () => ({ name: f.values.name.trim() ? null : 'Name the segment.' }),
    send: async () => {
      const body = { name: f.values.name.trim(), list_id: listId, rule };
      const saved = segment ? await api.updateSegment(segment.id, body) : await api.createSegment(body);
      onSaved(saved);
      if (!segment) navigate(`/segments/${encodeURIComponent(saved.id)}`, { replace: true });
      return saved;
    },
  });

  return (
    <div class="stack">
      <FormCard
        form={f}
        onSubmit={onSubmit}
        title="Rule"
        error={listsError}
        messages={MESSAGES}
        saves
        submit={segment ? 'Save' : 'Save segment'}
        actions={
          segment && (
            <>
              <ExportButton kind="segment" id={segment.id} testid="segment-export" />
              <DeleteButton
                testid="segment-delete"
                dialog={(close) => (
                  <DeleteSegmentDialog segment={segment} testid="segment-delete" onClose={close} onDeleted={() => navigate('/segments', { replace: true })} />
                )}
              />
            </>
          )
        }
      >
        <div class="form__row">
          <Field {...f.field('name')} label="Name" type="text" maxLength={120} required autoComplete="off" />
          <SelectField {...f.field('scope')} label="Reads" options={scopes} hint={lists ? undefined : 'Loading your lists…'} />
          <SelectField {...f.field('match')} label="Matches subscribers meeting" options={MATCH} />
        </div>
        <ConditionRows rows={rows} onRows={setRows} />
      </FormCard>
      <LiveCount listId={listId} rule={rule} listName={listName} />
    </div>
  );
}
