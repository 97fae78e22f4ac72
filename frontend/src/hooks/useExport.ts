/**
 * Start a CSV export job and follow it until its file is ready, then download it: `export.status`
 * and `export.progress` pushes when the socket has them, a poll of the job every 2 s besides (the
 * link comes from the poll: pushes never carry one).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, type Export, type ExportKind } from '../api';
import { saveUrl } from '../download';
import type { LiveMessage } from '../live';
import { acquireLive, live } from '../liveApp';

const POLL_MS = 2000;

export interface ExportJob {
  /** the job being followed (or the last one), null before the first start */
  job: Export | null;
  /** a refusal to start (429 exports_busy, 404) or a poll that failed */
  error: unknown;
  running: boolean;
  start: () => void;
}

function isActive(job: Export | null): boolean {
  return job !== null && (job.status === 'queued' || job.status === 'running');
}

export function useExport(kind: ExportKind, id: string): ExportJob {
  const [job, setJob] = useState<Export | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [starting, setStarting] = useState(false);
  const saved = useRef<string | null>(null);

  const start = useCallback(() => {
    setStarting(true);
    setError(null);
    api
      .createExport(kind, id)
      .then(setJob)
      .catch((err: unknown) => setError(err))
      .finally(() => setStarting(false));
  }, [kind, id]);

  const jobId = job?.id ?? null;
  const active = isActive(job);
  useEffect(() => {
    if (!jobId || !active) return;
    const onMessage = (msg: LiveMessage) => {
      if (msg.id !== jobId) return;
      const { type: _type, correlation_id: _cid, ...fields } = msg;
      setJob((prev) => (prev ? { ...prev, ...(fields as Partial<Export>), download_url: null } : prev));
    };
    const release = acquireLive();
    const a = live.subscribe('export.status', onMessage);
    const b = live.subscribe('export.progress', onMessage);
    const timer = setInterval(() => {
      api.getExport(jobId).then(setJob).catch((err: unknown) => setError(err));
    }, POLL_MS);
    return () => {
      clearInterval(timer);
      a();
      b();
      release();
    };
  }, [jobId, active]);

  // ready: a push carries no link, so it is asked for once; the file is downloaded once
  const asked = useRef<string | null>(null);
  useEffect(() => {
    if (!job || job.status !== 'ready') return;
    if (!job.download_url) {
      if (asked.current === job.id) return;
      asked.current = job.id;
      api.getExport(job.id).then(setJob).catch((err: unknown) => setError(err));
      return;
    }
    if (saved.current === job.id) return;
    saved.current = job.id;
    saveUrl(job.download_url);
  }, [job]);

  return { job, error, running: starting || active, start };
}
