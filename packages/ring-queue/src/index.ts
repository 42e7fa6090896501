export { CODEL_DEFAULTS, CoDel, type CoDelOptions, type CoDelState } from './codel.ts'
export {
  InvalidCapacityError,
  InvalidOptionError,
  InvalidOptionTypeError,
  type QueueOverloaded,
  QueueOverloadedError,
  RingClosedError,
  SharedRingInvalidBufferError,
  SharedRingMessageTooLargeError,
  SharedRingTargetTooSmallError,
  UnknownQueueError
} from './errors.ts'
export { LatencyHistogram } from './histogram.ts'
export { type Clock, MAX_CAPACITY } from './options.ts'
export { RingQueue, type RingQueueOptions } from './ring-queue.ts'
export { SharedRing, SharedRingConsumer, SharedRingProducer } from './shared-ring.ts'
export {
  type CloseOptions,
  type CoDelMode,
  WORK_QUEUE_DEFAULTS,
  type Worker,
  WorkQueue,
  type WorkQueueCoDelOptions,
  type WorkQueueOptions,
  type WorkQueueStats
} from './work-queue.ts'
