import { describe, expect, it } from '@jest/globals';
import { updateGolden } from './support/golden';

describe('UPDATE_GOLDEN', () => {
  it('rewrites golden files only when asked, outside CI', () => {
    expect(updateGolden({})).toBe(false);
    expect(updateGolden({ CI: 'true' })).toBe(false);
    expect(updateGolden({ UPDATE_GOLDEN: '1' })).toBe(true);
    expect(updateGolden({ UPDATE_GOLDEN: '1', CI: 'false' })).toBe(true);
  });

  it('is refused under CI', () => {
    expect(() => updateGolden({ UPDATE_GOLDEN: '1', CI: 'true' })).toThrow(/refused under CI/);
    expect(() => updateGolden({ UPDATE_GOLDEN: '1', CI: '1' })).toThrow(/refused under CI/);
  });
});
