/** An export: fetch a file from the API and hand it to the browser as a download, once at a time. */
import type { Download } from '../api';
import { saveDownload } from '../download';
import { useSubmit } from './useSubmit';

export interface Export {
  /** the file is being fetched */
  sending: boolean;
  /** why the last export failed (FormError) */
  error: unknown;
  /** a click handler that starts it */
  start: (e?: Event) => void;
}

/** `fetchFile` resolves to the file, or null when there is nothing to export. */
export function useExport(fetchFile: () => Promise<Download | null>): Export {
  const run = useSubmit<never, true>();
  return {
    sending: run.sending,
    error: run.error,
    start: run.handler({
      send: async () => {
        const file = await fetchFile();
        if (file) saveDownload(file);
        return true;
      },
    }),
  };
}
