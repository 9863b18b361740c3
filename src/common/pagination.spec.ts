import { InvalidPageError, resolvePage } from './pagination';

describe('resolvePage', () => {
  it.each([
    [undefined, 120, 1, 0],
    ['', 120, 1, 0],
    ['1', 120, 1, 0],
    ['2', 120, 2, 50],
    [' 3 ', 120, 3, 100],
    ['+2', 120, 2, 50],
    ['last', 120, 3, 100],
    ['1', 0, 1, 0],
    ['last', 0, 1, 0],
  ])('page %j of %i items is page %i at offset %i', (raw, count, number, offset) => {
    expect(resolvePage(raw, count)).toEqual({ number, size: 50, offset });
  });

  it.each([['0'], ['-1'], ['4'], ['2.0'], ['abc'], ['1e2'], ['9'.repeat(30)]])(
    'page %j of 120 items is invalid',
    (raw) => {
      expect(() => resolvePage(raw, 120)).toThrow(InvalidPageError);
    },
  );

  it('an empty list has only its first page', () => {
    expect(() => resolvePage('2', 0)).toThrow(InvalidPageError);
  });
});
