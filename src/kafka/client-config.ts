// librdkafka settings shared by the consumer (kafka:// source), the alerts producer and `logpulse gen --out
// kafka://`. Credentials come only from the environment (SPEC §5) and live only in the object handed to
// librdkafka: nothing here is ever logged, and errors name the variable, never its value.
import { LogpulseError } from '../errors.js';
import { redactText } from '../redact.js';

/** The `kafka.security` config section (or its defaults for `logpulse gen`). */
export interface KafkaSecurity {
  protocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  caFile: string | null;
}

export const PLAINTEXT: KafkaSecurity = { protocol: 'PLAINTEXT', mechanism: 'PLAIN', caFile: null };

/** SASL_PLAINTEXT or SASL_SSL: the client authenticates with KAFKA_USERNAME / KAFKA_PASSWORD. */
export function usesSasl(security: KafkaSecurity): boolean {
  return security.protocol === 'SASL_PLAINTEXT' || security.protocol === 'SASL_SSL';
}

/** What to check when the brokers reject the credentials. */
export const CREDENTIALS_HINT = 'check KAFKA_USERNAME / KAFKA_PASSWORD and kafka.security.mechanism';

/** The librdkafka global config for `brokers` under `security`, credentials read from `env`. */
export function kafkaClientConfig(
  brokers: string[],
  security: KafkaSecurity,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string | number | boolean> {
  const conf: Record<string, string | number | boolean> = {
    'metadata.broker.list': brokers.join(','),
    'client.id': 'logpulse',
    'security.protocol': security.protocol.toLowerCase(),
    // A broker that goes away is retried quickly and for ever; the daemon says so in its log.
    'reconnect.backoff.ms': 100,
    'reconnect.backoff.max.ms': 2000,
    'log.connection.close': false,
  };
  if (security.protocol === 'SSL' || security.protocol === 'SASL_SSL') {
    if (security.caFile !== null) conf['ssl.ca.location'] = security.caFile;
  }
  if (usesSasl(security)) {
    const username = env.KAFKA_USERNAME;
    const password = env.KAFKA_PASSWORD;
    const missing = [username ? null : 'KAFKA_USERNAME', password ? null : 'KAFKA_PASSWORD'].filter((v) => v !== null);
    if (missing.length > 0) {
      throw new LogpulseError('LP_ERR_KAFKA_CONFIG', `kafka.security.protocol ${security.protocol} needs ${missing.join(' and ')} in the environment`);
    }
    conf['sasl.mechanisms'] = security.mechanism;
    conf['sasl.username'] = username!;
    conf['sasl.password'] = password!;
  }
  return conf;
}

/**
 * Errors the daemon treats as fatal, since retrying cannot fix them: rejected credentials, a TLS failure
 * (wrong CA), missing authorization. librdkafka's error events often carry code -1 with the reason only in the
 * message, so the message is checked too.
 */
export function isFatalKafkaError(err: { code?: number; message?: string }): boolean {
  // -169 ERR__AUTHENTICATION, 58 SASL_AUTHENTICATION_FAILED, -181 ERR__SSL, 29/30/31 *_AUTHORIZATION_FAILED,
  // -150 ERR__FATAL.
  if ([-169, 58, -181, 29, 30, 31, -150].includes(err.code ?? 0)) return true;
  return /authentication|SSL handshake|certificate verify|authorization failed/i.test(err.message ?? '');
}

/** What an operator should check for a fatal error (never the values themselves). */
export function fatalHint(err: { message?: string }): string {
  return /authentication/i.test(err.message ?? '')
    ? `credentials rejected: ${CREDENTIALS_HINT}`
    : 'check kafka.security (protocol, caFile) and the broker\'s listener and ACLs';
}

/** A librdkafka error message made safe to log: no credential can be in it, but keep it short and single-line. */
export function kafkaErrorText(err: { code?: number; message?: string }): string {
  return redactText(`${(err.message ?? 'unknown error').replace(/\s+/g, ' ').slice(0, 300)} (code ${err.code ?? '?'})`);
}
