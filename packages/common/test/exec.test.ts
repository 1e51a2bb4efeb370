import { describe, expect, it } from '@jest/globals';
import { ExecError, UserError, spawnExec } from '@talos-kmod/common';

describe('spawnExec', () => {
  it('passes arguments without a shell and streams lines', async () => {
    const lines: string[] = [];
    const result = await spawnExec('printf', ['%s\\n', 'a b', '$HOME;ls'], {
      onLine: (l) => lines.push(l),
    });
    expect(result.exitCode).toBe(0);
    expect(lines).toEqual(['a b', '$HOME;ls']);
  });

  it('rejects with the last lines when the command fails', async () => {
    const run = spawnExec('sh', ['-c', 'for i in 1 2 3 4 5; do echo line$i; done; exit 3'], {
      tailLines: 2,
    });
    await expect(run).rejects.toBeInstanceOf(ExecError);
    await run.catch((e: unknown) => {
      expect(e).toBeInstanceOf(ExecError);
      const err = e as ExecError;
      expect(err.exitCode).toBe(3);
      expect(err.tail).toEqual(['line4', 'line5']);
    });
  });

  it('names the program and the fix when it is not installed', async () => {
    await expect(spawnExec('no-such-program-xyz', [])).rejects.toThrow(
      /'no-such-program-xyz' is not installed or not on PATH/,
    );
    await expect(spawnExec('no-such-program-xyz', [])).rejects.toBeInstanceOf(UserError);
  });
});
