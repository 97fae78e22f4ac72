/** Hand a file the API sent (an export) to the browser as a download. */
import type { Download } from './api';

export function saveDownload({ blob, filename }: Download): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // the click has started the download; the URL only has to live until then
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
