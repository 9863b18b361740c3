import type { Unsubscribe } from './task-event.bus';

/** A listener of one key (a task id). */
export type Listener<T> = (value: T) => void;

/** Adds a listener under a key; the returned function removes it (and the key when empty). */
export function addListener<T>(
  map: Map<string, Set<Listener<T>>>,
  key: string,
  listener: Listener<T>,
): Unsubscribe {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0 && map.get(key) === set) map.delete(key);
  };
}
