import { InProcessTaskEventBus } from './in-process-task-event.bus';
import { describeTaskEventBusContract } from './task-event.bus.contract';

describeTaskEventBusContract('in process', () => new InProcessTaskEventBus());
