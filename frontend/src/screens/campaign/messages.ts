/** Words for the refusals of a campaign's actions, by error code. */
export const ACTION_MESSAGES: Record<string, string> = {
  campaign_already_sent: 'This campaign was already sent.',
  campaign_scheduled: 'This campaign is scheduled: cancel the schedule first.',
  campaign_not_editable: 'This campaign can no longer be changed.',
  campaign_not_scheduled: 'Too late to cancel: sending has started.',
  invalid_send_at: 'Choose a time at least a minute from now.',
  upstream_unavailable: 'Sending is not available right now. Try again in a moment.',
  campaign_not_found: 'This campaign no longer exists.',
  campaign_not_sending: 'Only a campaign that is sending can be paused: it may have just been paused or finished.',
  campaign_not_paused: 'This campaign is not paused any more: it may have just been resumed or finished.',
  campaign_not_finished: 'This campaign is on its way: resend to the failed once it is sent.',
  nothing_to_resend: 'Nobody is left to resend to: each failed recipient is sent it again once at most.',
  resend_limit_reached: 'This campaign was resent to its failed recipients as many times as it may be.',
};
