import { selectSegmentsToGenerate } from './generation-skip-rules';

const seg = (name: string, patch: { isLocked?: boolean; text?: string; audio?: boolean } = {}) => ({
  name,
  isLocked: patch.isLocked ?? false,
  textContent: patch.text ?? 'Some words.',
  audioFile: patch.audio ? `${name}.wav` : null,
});

describe('selectSegmentsToGenerate (the skip rules of generate-all-audio)', () => {
  const project = [
    seg('plain'),
    seg('locked', { isLocked: true }),
    seg('empty', { text: '  \n\t' }),
    seg('voiced', { audio: true }),
    seg('locked-voiced', { isLocked: true, audio: true }),
    seg('locked-empty', { isLocked: true, text: '' }),
  ];
  const names = (todo: { name: string }[]) => todo.map((s) => s.name);

  it('by default: skips locked segments, empty texts and segments that have audio', () => {
    const result = selectSegmentsToGenerate(project, { skipLocked: true, forceRegenerate: false });
    expect(names(result.todo)).toEqual(['plain']);
    // A segment counts once, under the first rule that skips it: locked, then empty, then audio.
    expect(result).toMatchObject({ skippedLocked: 3, skippedEmpty: 1, skippedExisting: 1 });
  });

  it('skip_locked false: locked segments are generated too (their audio is not text)', () => {
    const result = selectSegmentsToGenerate(project, { skipLocked: false, forceRegenerate: false });
    expect(names(result.todo)).toEqual(['plain', 'locked']);
    expect(result).toMatchObject({ skippedLocked: 0, skippedEmpty: 2, skippedExisting: 2 });
  });

  it('force_regenerate: segments with audio are generated again, empty ones never', () => {
    const result = selectSegmentsToGenerate(project, { skipLocked: false, forceRegenerate: true });
    expect(names(result.todo)).toEqual(['plain', 'locked', 'voiced', 'locked-voiced']);
    expect(result).toMatchObject({ skippedLocked: 0, skippedEmpty: 2, skippedExisting: 0 });
  });

  it('keeps the given order and accounts for every segment', () => {
    for (const skipLocked of [true, false]) {
      for (const forceRegenerate of [true, false]) {
        const r = selectSegmentsToGenerate(project, { skipLocked, forceRegenerate });
        expect(r.todo.length + r.skippedLocked + r.skippedEmpty + r.skippedExisting).toBe(
          project.length,
        );
        const order = r.todo.map((s) => project.indexOf(s));
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    }
  });
});
