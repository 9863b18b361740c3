import type { PageWindow } from '../../common/pagination';
import type { Segment, SegmentChanges, SegmentDraft } from './segment.types';

/**
 * Storage port for segments. The service holds the rules; an adapter (SQLite today)
 * only reads and writes. `transaction` runs several calls atomically: the work receives
 * a repository bound to the transaction and must use only that one.
 */
export abstract class SegmentsRepository {
  abstract transaction<T>(work: (repository: SegmentsRepository) => Promise<T>): Promise<T>;

  abstract projectExists(projectId: string): Promise<boolean>;

  abstract countByProject(projectId: string): Promise<number>;

  /** The project's segments by `sequence_index`, all of them or one window. */
  abstract listByProject(projectId: string, window?: PageWindow): Promise<Segment[]>;

  abstract findById(id: string): Promise<Segment | undefined>;

  /** Appends after the project's last segment, keeping the drafts' order; returns them. */
  abstract append(projectId: string, drafts: readonly SegmentDraft[]): Promise<Segment[]>;

  /** Returns the updated segment, or undefined if it does not exist. */
  abstract update(id: string, changes: SegmentChanges): Promise<Segment | undefined>;

  /** Returns the deleted segment, or undefined if it did not exist. */
  abstract delete(id: string): Promise<Segment | undefined>;

  /** Gives the segments positions 0..n-1 in this order (ids already checked by the caller). */
  abstract applyOrder(projectId: string, orderedIds: readonly string[]): Promise<void>;
}
