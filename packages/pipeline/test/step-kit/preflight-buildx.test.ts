import { describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError, spawnExec, type ExecFn } from '@talos-kmod/common';
import { preflightBuildx } from '../../src/step-kit/preflight';

/** A PATH whose `docker` prints `output` and exits with `code`, like a docker without buildx. */
function fakeDocker(code: number, output: string): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'fake-docker-'));
  const script = join(dir, 'docker');
  writeFileSync(script, `#!/bin/sh\necho "${output}" >&2\nexit ${code}\n`);
  chmodSync(script, 0o755);
  return { PATH: `${dir}:/usr/bin:/bin` };
}

const neverCalled: ExecFn = () => {
  throw new Error('exec must not run for a Makefile that does not use docker buildx');
};

describe('preflightBuildx', () => {
  it('fails before make, naming the Makefile BUILD and the fix, when docker has no buildx', async () => {
    const env = fakeDocker(1, "docker: 'buildx' is not a docker command.");
    const run = preflightBuildx('docker buildx build', '/src/pkgs', spawnExec, env);
    await expect(run).rejects.toBeInstanceOf(UserError);
    await expect(run).rejects.toThrow(
      /Makefile in \/src\/pkgs builds with docker buildx, but 'docker buildx version' failed .*docker\/setup-buildx-action/,
    );
  });

  it('passes when buildx answers, also for the debug form of BUILD', async () => {
    const env = fakeDocker(0, 'github.com/docker/buildx v0.24.0');
    await expect(
      preflightBuildx(
        'BUILDX_EXPERIMENTAL=1 docker buildx debug --invoke /bin/sh --on error build',
        '/src/pkgs',
        spawnExec,
        env,
      ),
    ).resolves.toBeUndefined();
  });

  it('does not run docker for Makefiles that build another way', async () => {
    await expect(
      preflightBuildx('hack/fake-buildx build', '/x', neverCalled),
    ).resolves.toBeUndefined();
    await expect(preflightBuildx(undefined, '/x', neverCalled)).resolves.toBeUndefined();
  });
});
