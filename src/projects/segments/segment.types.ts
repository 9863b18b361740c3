/** A piece of a story: one narration text, one image prompt, at most one WAV. */
export interface Segment {
  readonly id: string;
  readonly projectId: string;
  /** 0-based position in the project. */
  readonly sequenceIndex: number;
  readonly textContent: string;
  readonly imagePrompt: string;
  /** Media path of the WAV (relative to the media root), or null when there is no audio. */
  readonly audioFile: string | null;
  /** Seconds, or null when there is no audio. */
  readonly audioDuration: number | null;
  readonly isLocked: boolean;
  /** Media path of the uploaded image (relative to the media root), or null. */
  readonly imageFile: string | null;
}

/** What a new segment is made of (import, creation). */
export interface SegmentDraft {
  readonly textContent: string;
  readonly imagePrompt: string;
}

/** Fields a client may change. */
export interface SegmentPatch {
  readonly textContent?: string;
  readonly imagePrompt?: string;
  readonly isLocked?: boolean;
}

/** Every column a repository may update. */
export type SegmentChanges = Partial<
  Pick<
    Segment,
    'textContent' | 'imagePrompt' | 'isLocked' | 'audioFile' | 'audioDuration' | 'imageFile'
  >
>;

/** Result of a reorder: each segment's new position. */
export interface SegmentPosition {
  readonly id: string;
  readonly sequenceIndex: number;
}
