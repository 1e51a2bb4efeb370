/**
 * verify-image (the bundled action, as the runner starts it) and `talos-kmod verify` refuse a bare
 * name that is no path (`hailort:v1`) in `image` or `kernel-image`, naming the input, instead of
 * asking Docker Hub for `docker.io/library/hailort:v1`.
 */
import { describe, expect, it } from '@jest/globals';
import { runAction } from '../support/action';
import { runCliCaptured } from '../support/cli';

const bare = (s: string) =>
  `'${s}' is no file or directory in ${process.cwd()}, and no full image reference: check the path, or name the image with its registry and repository (e.g. ghcr.io/acme/hailort:v1; docker.io/library/${s} for a Docker Hub image)`;

describe('a bare image name that is no path', () => {
  it.each([
    [{ image: 'hailort:v1' }, `input 'image': ${bare('hailort:v1')}`],
    [
      { image: '127.0.0.1:1/acme/hailort:v1', 'kernel-image': 'hailort' },
      `input 'kernel-image': ${bare('hailort')}`,
    ],
  ])(
    'fails the action %j before any registry is asked',
    async (inputs, message) => {
      const run = await runAction('verify-image', inputs);
      expect({ exitCode: run.exitCode, failure: run.failure }).toEqual({
        exitCode: 1,
        failure: message,
      });
    },
    120_000,
  );

  it('fails the CLI on --kernel-image with exit 2', async () => {
    const run = await runCliCaptured([
      'verify',
      '127.0.0.1:1/acme/hailort:v1',
      '--kernel-image',
      'hailort',
    ]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 2,
      stderr: `error: --kernel-image: ${bare('hailort')}\n`,
    });
  });
});
