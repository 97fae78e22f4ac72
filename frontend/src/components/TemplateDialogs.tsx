import { api, type TemplateSummary } from '../api';
import { DeleteAction } from './Dialog';

/** "Delete this template?": the templates screen and a template's page share it. */
export function DeleteTemplateDialog({ template, testid, onClose, onDeleted }: { template: Pick<TemplateSummary, 'id' | 'name'>; testid: string; onClose: () => void; onDeleted: () => void }) {
  return (
    <DeleteAction thing="template" action={() => api.deleteTemplate(template.id)} onDone={onDeleted} onCancel={onClose} testid={testid}>
      <p>
        <strong>{template.name}</strong> will be deleted. Messages already sent from it keep their record; new sends that name
        it are refused.
      </p>
    </DeleteAction>
  );
}
