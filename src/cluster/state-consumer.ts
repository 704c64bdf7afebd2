// How the state topic's consumers (owner, feed) run and stop.
import type * as RdKafka from 'node-rdkafka';

/** How long a stop waits for a consumer to disconnect. */
const STOP_WAIT_MS = 3000;
const WAIT_MS = 100;

/**
 * Reads in node-rdkafka's flowing mode, whose defaults wait 1 s for a message and then sleep 0.5 s before asking
 * again: a running count arriving after a quiet second would wait for that sleep (an early alert half a second
 * late), and a disconnect waits for the pending wait (every stop, every bounded read's end, a second longer). Short
 * waits and no sleep cost a wake-up every 100 ms when idle.
 */
export function consumeSoon(consumer: RdKafka.KafkaConsumer): void {
  consumer.setDefaultConsumeTimeout(WAIT_MS);
  consumer.setDefaultConsumeLoopTimeoutDelay(0);
  consumer.consume();
}

/**
 * Disconnects, waiting at most a few seconds: librdkafka can wait for ever on a consumer leaving its group while a
 * join is under way (with a rebalance callback). The process goes on (it is ending) and the group drops the member
 * at its session timeout.
 */
export function disconnectWithin(consumer: RdKafka.KafkaConsumer): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, STOP_WAIT_MS);
    consumer.disconnect(() => {
      clearTimeout(t);
      resolve();
    });
  });
}
