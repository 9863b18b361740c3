/**
 * Runs work one key at a time: work given for a key starts after the earlier work for that
 * key has settled (resolved or rejected), in the order given; keys do not wait for each other.
 * The task stores use it so that the changes of one task apply in order.
 */
export class SerialByKey {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.tails.set(key, next);
    void next
      .finally(() => {
        if (this.tails.get(key) === next) this.tails.delete(key);
      })
      .catch(() => undefined);
    return next;
  }
}
