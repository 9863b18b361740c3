import { newTaskRecord } from '../task-transitions';
import type { TaskRecord } from '../task.types';
import type { TaskEventBus } from './task-event.bus';

/** Resolves once `predicate` holds for what a listener collected (a pub/sub delivers later). */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setImmediate(resolve));
}

/** The contract every TaskEventBus adapter passes; run it once per adapter. */
export function describeTaskEventBusContract(
  name: string,
  make: () => Promise<TaskEventBus> | TaskEventBus,
): void {
  describe(`TaskEventBus contract: ${name}`, () => {
    let bus: TaskEventBus;
    let serial = 0;
    const version = (id: string, v: number): TaskRecord => ({
      ...newTaskRecord(id, { total: 1 }, new Date()),
      version: v,
    });

    beforeEach(async () => {
      bus = await make();
    });

    it("delivers the versions of a task to each of its listeners, in order, and no other task's", async () => {
      const id = `bus_${process.pid}_${++serial}`;
      const a: number[] = [];
      const b: number[] = [];
      const offA = bus.subscribe(id, (t) => a.push(t.version));
      const offB = bus.subscribe(id, (t) => b.push(t.version));
      bus.publish(version(`${id}_other`, 1));
      for (let v = 1; v <= 5; v++) bus.publish(version(id, v));
      await until(() => a.length >= 5 && b.length >= 5);
      expect(a).toEqual([1, 2, 3, 4, 5]);
      expect(b).toEqual([1, 2, 3, 4, 5]);
      offA();
      offB();
      expect(bus.listenerCount(id)).toBe(0);
    });

    it('stops delivering after unsubscribe', async () => {
      const id = `bus_${process.pid}_${++serial}`;
      const seen: number[] = [];
      const off = bus.subscribe(id, (t) => seen.push(t.version));
      bus.publish(version(id, 1));
      await until(() => seen.length === 1);
      off();
      bus.publish(version(id, 2));
      const marker: number[] = [];
      const offMarker = bus.subscribe(id, (t) => marker.push(t.version));
      bus.publish(version(id, 3));
      // Version 3 arrived, so version 2 was handed out before it (a pub/sub may hand 2 to
      // the marker too, having delivered it after the marker subscribed).
      await until(() => marker.includes(3));
      offMarker();
      expect(seen).toEqual([1]);
    });

    it('a cancel reaches every cancel listener of that task only', async () => {
      const id = `bus_${process.pid}_${++serial}`;
      let mine = 0;
      let other = 0;
      const off1 = bus.onCancel(id, () => (mine += 1));
      const off2 = bus.onCancel(id, () => (mine += 1));
      const off3 = bus.onCancel(`${id}_other`, () => (other += 1));
      bus.cancel(id);
      await until(() => mine === 2);
      expect(other).toBe(0);
      for (const off of [off1, off2, off3]) off();
      expect(bus.listenerCount(id)).toBe(0);
    });
  });
}
