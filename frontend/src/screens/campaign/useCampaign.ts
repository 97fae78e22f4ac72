/**
 * A campaign as it moves: loaded once, then kept current by `campaign.status` and
 * `campaign.progress` pushes, with polling when no push came for a while.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, type Campaign, type CampaignStats, type TimelineEntry } from '../../api';
import { entryFromMessage, isFinished, latestStatus, mergeStats, mergeTimeline, statsFromMessage } from '../../campaigns';
import { usePageVisible } from '../../hooks/useLocalData';
import type { LiveMessage } from '../../live';
import { acquireLive, live } from '../../liveApp';

const POLL_MS = 2000;

export function useCampaign(id: string) {
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [liveEntries, setLiveEntries] = useState<TimelineEntry[]>([]);
  const [liveFailure, setLiveFailure] = useState<{ code: string; message: string } | null>(null);
  const [stats, setStats] = useState<CampaignStats | null>(null);
  const lastPush = useRef(0);
  const visible = usePageVisible();

  /** Take a campaign the API answered (a load or an action's answer). */
  const accept = useCallback((c: Campaign) => {
    setCampaign(c);
    setStats((s) => mergeStats(s, c.stats));
    setLoadError(null);
  }, []);

  const load = useCallback(async () => {
    try {
      accept(await api.getCampaign(id));
    } catch (err) {
      setLoadError(err);
    }
  }, [id, accept]);

  useEffect(() => {
    void load();
  }, [load]);

  // live messages: status changes and counters
  useEffect(() => {
    const release = acquireLive();
    const onStatus = (msg: LiveMessage) => {
      const entry = entryFromMessage(msg, id);
      if (!entry) return;
      lastPush.current = Date.now();
      setLiveEntries((l) => [...l, { status: entry.status, at: entry.at }]);
      if (entry.failure) setLiveFailure(entry.failure);
      if (isFinished(entry.status)) void load();
    };
    const onProgress = (msg: LiveMessage) => {
      const s = statsFromMessage(msg, id);
      if (!s) return;
      lastPush.current = Date.now();
      setStats((prev) => mergeStats(prev, s));
    };
    const a = live.subscribe('campaign.status', onStatus);
    const b = live.subscribe('campaign.progress', onProgress);
    return () => {
      a();
      b();
      release();
    };
  }, [id, load]);

  const timeline = campaign ? mergeTimeline(campaign.timeline, liveEntries) : [];
  const status = campaign ? latestStatus(timeline, campaign.status) : null;

  // polling fallback: every 2 s while it is scheduled or sending (unless a push just came);
  // every 5 s while it is paused (little moves then) and once it is finished, for the
  // delivery feedback counters
  useEffect(() => {
    if (!status || status === 'draft' || !visible) return;
    const finished = isFinished(status);
    const period = finished || status === 'paused' ? 5000 : POLL_MS;
    const timer = setInterval(() => {
      if (!finished && Date.now() - lastPush.current < POLL_MS && live.state === 'open') return;
      if (!finished) void load();
      api
        .campaignStats(id)
        .then((s) => setStats((prev) => mergeStats(prev, s)))
        .catch(() => undefined);
    }, period);
    return () => clearInterval(timer);
  }, [id, status, visible, load]);

  return {
    campaign,
    loadError,
    status,
    timeline,
    stats: stats ?? campaign?.stats ?? null,
    failure: liveFailure ?? campaign?.failure ?? null,
    accept,
    load,
  };
}
