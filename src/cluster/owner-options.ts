// What a window owner (owner.ts) is made from; the member (member.ts) gives the producer, the session and the
// callbacks into itself and its feed.
import type { AlertRule } from '../config/types.js';
import type { Logger } from '../log.js';
import type { StateProducer } from './state-topic.js';

export interface OwnerOptions {
  topic: string;
  /** The source's consumer group: owners form `<group>.logpulse-owners`. */
  group: string;
  client: Record<string, string | number | boolean>;
  windowUs: number;
  maxUrlsPerWindow: number;
  rules: AlertRule[];
  /** `alerts.early`: errors_per_status fires on the group's running count, before the window closes. */
  earlyAlerts: boolean;
  producer: StateProducer;
  log: Logger;
  /** This daemon's session (its rows and alerts on the topic say who wrote them). */
  session: string;
  /** Its partitions went to other owners: the running counts it took in-process must go on the topic for them. */
  revoked?: () => void;
  /** A durable cut of this daemon, publishing what this owner wrote (`takeUnpublished`); null: none can run now. */
  cut?: () => Promise<void> | null;
  /** No other daemon of the group is running (its partitions can pause between this daemon's cuts: quiet-partitions.ts). */
  alone: () => boolean;
}
