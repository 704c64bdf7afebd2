// The `cluster` section of the config schema: daemons of one Kafka consumer group sharing their window state through
// a topic of their own, so that each window row is written once and each alert fires once for the whole group
// (src/cluster/, README "Cluster mode").
import { Type } from '@sinclair/typebox';

import { Duration, Section } from './schema-helpers.js';

export const CLUSTER_SECTION = Section(
  {
    enabled: Type.Boolean({
      default: true,
      description:
        'With a `kafka://` source (on by default): publish this daemon\'s window state to `cluster.topic` and write group-wide window ' +
        'rows and alerts (each once, by the daemon owning that window). Off: every daemon writes rows and alerts over its own share of ' +
        'the partitions (`logpulse merge` combines their partials). Ignored for other sources.',
    }),
    topic: Type.String({
      default: '',
      pattern: '^$|^[A-Za-z0-9._-]{1,249}$',
      description:
        'The state topic (created when missing, compacted, with `cluster.partitions` partitions). Empty (default): ' +
        '`logpulse-state.<group>` with the group\'s characters that a topic name cannot hold replaced by `_`.',
    }),
    partitions: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 6,
      description: 'Partitions of the state topic when the daemon creates it: window ownership is spread over the group by them.',
    }),
    retention: Duration('1h', 'How long the state topic keeps what was published (its `retention.ms` when the daemon creates it): longer than a window can stay open.'),
  },
  'Cluster mode: one group of daemons, one set of windows and alerts (README "Cluster mode").',
);
