/**
 * Names from an image reach a terminal through the CLI's text results: a file name holding a
 * terminal escape (clear the screen, set the title), a new line (a forged second entry) or a
 * bidirectional override (text that reads backwards) must print as visible escapes, one entry per
 * line; `--json` keeps the exact names.
 */
import { describe, expect, it } from '@jest/globals';
import { newDir, writeOciLayout } from '../support/images';
import { runCliCaptured } from '../support/cli';

const clear = 'rootfs/clear\u001b[2J\u001b]0;pwned\u0007';
const forged = 'rootfs/one\n-rw-r--r-- 0/0 1 rootfs/forged';
const reversed = 'rootfs/gnp.\u202eexe';

async function hostileLayout(): Promise<string> {
  return writeOciLayout(newDir('terminal-escapes'), [
    {
      layers: [
        [
          { path: 'rootfs/', type: 'directory' },
          { path: clear, content: 'x' },
          { path: forged, content: 'x' },
          { path: reversed, content: 'x' },
          { path: 'rootfs/link', type: 'symlink', linkTarget: '\u001b[31mred' },
        ],
      ],
    },
  ]);
}

describe('text results on a terminal', () => {
  it('ls shows control characters in names and link targets as escapes, one file per line', async () => {
    const dir = await hostileLayout();
    for (const args of [['ls'], ['ls', '-l']]) {
      const r = await runCliCaptured([...args, `oci:${dir}`]);
      expect(r.code).toBe(0);
      // eslint-disable-next-line no-control-regex -- the point: no control character but the line ends
      expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
      expect(r.stdout).toContain('rootfs/clear\\u001b[2J\\u001b]0;pwned\\u0007');
      expect(r.stdout).toContain('rootfs/one\\n-rw-r--r-- 0/0 1 rootfs/forged');
      expect(r.stdout).toContain('rootfs/gnp.\\u202eexe');
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(5); // rootfs, its four entries
      if (args.includes('-l')) expect(r.stdout).toContain('-> \\u001b[31mred');
    }
  });

  it('ls --json keeps the exact names', async () => {
    const dir = await hostileLayout();
    const r = await runCliCaptured(['ls', `oci:${dir}`, '--json']);
    const paths = (JSON.parse(r.stdout) as { path: string }[]).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining([clear, forged, reversed]));
  });
});
