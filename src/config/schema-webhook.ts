// The `alerts.webhook*` keys of the config schema (schema.ts spreads them into `alerts`, in this order): where
// alerts are POSTed, in which format, and the name of the variable holding the signing secret — never the secret.
import { Type } from '@sinclair/typebox';

import { StringEnum } from './schema-helpers.js';

/** The body a webhook POST carries: the alert as JSON, or a Slack incoming-webhook message. */
export const WEBHOOK_FORMATS = ['json', 'slack'] as const;

export const WEBHOOK_KEYS = {
  webhook: Type.Optional(
    Type.String({
      description:
        'http(s) URL each alert is POSTed to (retried with backoff; undelivered alerts are kept under `checkpoint.dir` across restarts). ' +
        'Unset by default. Logged as its origin only: a Slack-style URL is itself a credential.',
    }),
  ),
  webhookFormat: StringEnum(WEBHOOK_FORMATS, {
    default: 'json',
    description: 'Body of a webhook POST: `json` (the alert plus `idempotency_key`) or `slack` (a Slack incoming-webhook message).',
  }),
  webhookSecretEnv: Type.Optional(
    Type.String({
      description:
        'Name of the environment variable holding the webhook\'s HMAC-SHA256 secret; when set, each POST carries `X-Logpulse-Signature`. ' +
        'The variable must be set and not empty. Unset by default (unsigned).',
    }),
  ),
};
