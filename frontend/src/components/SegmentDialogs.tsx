import { api, type Segment } from '../api';
import { DeleteAction } from './Dialog';

/** "Delete this segment?": the segments screen and a segment's page share it. */
export function DeleteSegmentDialog({ segment, testid, onClose, onDeleted }: { segment: Segment; testid: string; onClose: () => void; onDeleted: () => void }) {
  return (
    <DeleteAction thing="segment" action={() => api.deleteSegment(segment.id)} onDone={onDeleted} onCancel={onClose} testid={testid}>
      <p>
        <strong>{segment.name}</strong> will be deleted. Campaigns already sent to it keep their recipients.
      </p>
    </DeleteAction>
  );
}
