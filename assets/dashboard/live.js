// The live feed (GET /events, Server-Sent Events). EventSource reconnects by itself after a dropped connection (the
// daemon sends `retry:`); when the answer was not a stream at all (a 401, a proxy's error page) it gives up, so this
// starts a new one a few seconds later. Every connection after the first tells `onReconnected`: the daemon may have
// restarted, and whatever happened meanwhile is only in its history.

const RESTART_MS = 5000;

export class LiveFeed {
  /**
   * `url()`: the feed's address (asked at each connect: the token may have changed). Handlers: `onState(state)` with
   * 'connecting' | 'live' | 'reconnecting' | 'down'; `onHello({pipeline})`, `onWindow(row)`, `onAlert(alert)`,
   * `onPipeline(stats)`, `onReconnected()`.
   */
  constructor(url, handlers) {
    this.url = url;
    this.h = handlers;
    this.source = null;
    this.connected = false;
    this.everConnected = false;
    this.timer = null;
  }

  start() {
    clearTimeout(this.timer);
    this.source?.close();
    const source = new EventSource(this.url());
    this.source = source;
    this.h.onState(this.everConnected ? 'reconnecting' : 'connecting');
    const json = (handler) => (e) => handler(JSON.parse(e.data));
    source.addEventListener('hello', json((hello) => this.h.onHello(hello)));
    source.addEventListener('window', json((row) => this.h.onWindow(row)));
    source.addEventListener('alert', json((alert) => this.h.onAlert(alert)));
    source.addEventListener('pipeline', json((stats) => this.h.onPipeline(stats)));
    source.onopen = () => {
      this.connected = true;
      this.h.onState('live');
      if (this.everConnected) this.h.onReconnected();
      this.everConnected = true;
    };
    source.onerror = () => {
      this.connected = false;
      if (source.readyState === EventSource.CLOSED) {
        this.h.onState('down');
        this.timer = setTimeout(() => this.start(), RESTART_MS);
      } else {
        this.h.onState('reconnecting');
      }
    };
  }
}
