/** List inputs as the runner passes them (`INPUT_<NAME>` environment variables). */
import { afterEach, describe, expect, it } from '@jest/globals';
import { readList } from '../src/inputs';

const env = 'INPUT_EXTRA-KERNEL-ARGS';

afterEach(() => {
  delete process.env[env];
});

describe('readList', () => {
  it('splits on new lines and commas by default, dropping blanks and # comments', () => {
    process.env[env] = 'a,b\n\n  c  # note\n# all comment\n';
    expect(readList('extra-kernel-args')).toEqual(['a', 'b', 'c']);
  });

  it('with lines: true keeps commas inside an item (kernel arguments)', () => {
    process.env[env] =
      'console=ttyS0,115200n8\n-module.sig_enforce\nmodule.sig_enforce=0\r\nconsole=tty0\n';
    expect(readList('extra-kernel-args', { lines: true })).toEqual([
      'console=ttyS0,115200n8',
      '-module.sig_enforce',
      'module.sig_enforce=0',
      'console=tty0',
    ]);
  });
});
