// Where each shard of each session adds its running error counts in an owner's alert engine (one slot per
// session and shard), and which sessions no longer count: a daemon killed and restarted retires its old session
// (`x/<session>`), whose running counts may include records after its last published cut — records the restarted
// daemon reads again. Its windows' published state still counts at their close; only its running counts go.
export class RunningSlots {
  /** `session/shard` → its slot. */
  readonly #slots = new Map<string, number>();
  readonly #retired = new Set<string>();

  /** The slot of a session's shard; null once the session is retired. */
  slotOf(session: string, shard: number): number | null {
    if (this.#retired.has(session)) return null;
    const key = `${session}/${shard}`;
    let slot = this.#slots.get(key);
    if (slot === undefined) this.#slots.set(key, (slot = this.#slots.size));
    return slot;
  }

  /** Retires a session: the slots whose counts must go. */
  retire(session: string): number[] {
    this.#retired.add(session);
    return [...this.#slots].filter(([key]) => key.startsWith(`${session}/`)).map(([, slot]) => slot);
  }
}
