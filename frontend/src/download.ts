/** Hand a file to the browser as a download: a short-lived link (an export in S3) it fetches itself. */
export function saveUrl(url: string): void {
  const link = document.createElement('a');
  link.href = url; // the link's own Content-Disposition names the file
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}
