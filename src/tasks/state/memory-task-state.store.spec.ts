import { TaskViewCache } from '../task-view.cache';
import { MemoryTaskStateStore } from './memory-task-state.store';
import { describeTaskStateStoreContract } from './task-state.store.contract';

describeTaskStateStoreContract(
  'in memory',
  (policy, records) => new MemoryTaskStateStore(policy, records, new TaskViewCache()),
);
