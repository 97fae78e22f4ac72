/** Who a draft goes to: everyone subscribed on its list, or one of the owner's segments (one over
 * the list, or over all lists). Its members are frozen when the campaign is sent. */
import { useEffect, useState } from 'preact/hooks';
import { api, type Campaign, type Segment } from '../../api';
import { FormError } from '../../components/FormError';
import { SelectField } from '../../components/SelectField';
import { allPages } from '../../hooks/useAllLists';
import { Link } from '../../router';

export function Audience({ campaign, listName, onChange }: { campaign: Campaign; listName: string; onChange: (c: Campaign) => void }) {
  const [segments, setSegments] = useState<Segment[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    allPages((cursor) => api.listSegments({ limit: 100, cursor })).then(setSegments, setError);
  }, []);
  const fitting = (segments ?? []).filter((s) => s.list_id === null || s.list_id === campaign.list_id);
  const options = [
    { value: '', label: `Everyone subscribed on ${listName}` },
    ...fitting.map((s) => ({ value: s.id, label: `Segment: ${s.name}${s.list_id === null ? ' (all lists)' : ''}` })),
  ];
  async function choose(value: string) {
    setSaving(true);
    setError(null);
    try {
      onChange(await api.updateCampaign(campaign.id, { segment_id: value || null }));
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  }
  return (
    <section class="card form" aria-labelledby="campaign-audience-heading" aria-busy={saving}>
      <h2 id="campaign-audience-heading">Audience</h2>
      <FormError error={error} testid="campaign-audience-error" messages={{ segment_not_found: 'That segment no longer exists.' }} />
      <SelectField
        id="campaign-audience"
        label="Send to"
        value={campaign.segment_id ?? ''}
        options={options}
        onValue={(v) => void choose(v)}
        hint={
          <>
            Only subscribed (confirmed) addresses are mailed, never a suppressed one. <Link href="/segments/new">Make a segment</Link>
          </>
        }
      />
    </section>
  );
}
