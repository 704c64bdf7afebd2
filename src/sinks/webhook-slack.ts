// An alert as a Slack incoming-webhook message: `text` (what notifications and clients without blocks show) plus
// blocks for the channel. Slack reads `<`, `>` and `&` as markup, and a group is a URL or a client's text, so
// every value is escaped.

import type { Alert } from '../pipeline/output-port.js';

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A count as is; a rate rule's fraction as a percentage. */
function shown(alert: Alert, n: number): string {
  return alert.rule === 'errors_per_status' ? String(n) : `${+(n * 100).toPrecision(4)} %`;
}

export function slackMessage(alert: Alert): SlackMessage {
  const summary = `logpulse alert ${alert.type}: ${alert.rule} ${alert.group} = ${shown(alert, alert.value)} (threshold ${shown(alert, alert.threshold)})`;
  return {
    text: escape(summary),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `logpulse: ${alert.rule}`.slice(0, 150) } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Group*\n${escape(alert.group)}` },
          { type: 'mrkdwn', text: `*Value*\n${shown(alert, alert.value)} (threshold ${shown(alert, alert.threshold)})` },
          { type: 'mrkdwn', text: `*Window*\n${alert.window_start} – ${alert.window_end}` },
          { type: 'mrkdwn', text: `*Fired*\n${alert.emitted_at}` },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: escape(alert.message) }] },
    ],
  };
}
