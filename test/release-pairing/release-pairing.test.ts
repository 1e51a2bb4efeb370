/**
 * The release-pairing check (issue #16 part 3) through the bundled build-kernel-pkg and
 * build-extension actions and the CLI: a checkout from another release than talos-version warns,
 * or fails before make runs with release-mismatch: error, naming the checkout's ref and the
 * release's. The fixture checkouts keep the upstream Makefile interface and are tagged like
 * upstream commits on main (`v1.12.0-alpha.0`).
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { runCli } from '@talos-kmod/cli';
import { expectFailedWith, runAction } from '../support/action';
import { captureIo } from '../support/cli';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture-repos';

jest.setTimeout(5 * 60_000);

let pkgs: FixtureRepo;
let extensions: FixtureRepo;
beforeAll(() => {
  pkgs = createFixtureRepo('pkgs', { tag: 'v1.12.0-alpha.0' });
  extensions = createFixtureRepo('extensions');
  extensions.git('checkout', '-q', '-b', 'release-1.10');
});
afterAll(() => {
  pkgs?.remove();
  extensions?.remove();
});

const literal = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

describe('release pairing in the build steps', () => {
  it('build-kernel-pkg fails before make when the pkgs checkout is from main and release-mismatch is error', async () => {
    const run = await runAction('build-kernel-pkg', {
      'pkgs-dir': pkgs.dir,
      packages: 'hailort-pkg',
      registry: '127.0.0.1:1',
      username: 'example-owner',
      'talos-version': 'v1.11.5',
      'release-mismatch': 'error',
    });
    expectFailedWith(
      run,
      literal(
        `the pkgs checkout ${pkgs.dir} is at v1.12.0-alpha.0 (branch main), but Talos v1.11.5 pairs with pkgs release-1.11: check out release-1.11, or set talos-version to the release the checkout belongs to (release-mismatch: error)`,
      ),
    );
    expect(run.stdout).not.toContain('make kernel');
  });

  it('build-extension fails naming the release branch it is on', async () => {
    const run = await runAction('build-extension', {
      'extensions-dir': extensions.dir,
      extension: 'hailort',
      registry: '127.0.0.1:1',
      username: 'example-owner',
      'talos-version': 'v1.11.5',
      'release-mismatch': 'error',
    });
    expectFailedWith(
      run,
      literal(
        `the extensions checkout ${extensions.dir} is at ${extensions.git('rev-parse', '--short', 'HEAD')} (branch release-1.10), but Talos v1.11.5 pairs with extensions release-1.11 (tag v1.11.5)`,
      ),
    );
  });

  it('the CLI refuses a bad --release-mismatch and a bad --talos-version with exit 2', async () => {
    const io = captureIo({ env: { GITHUB_REPOSITORY_OWNER: 'example-owner' } });
    const base = ['build-kernel-pkg', '--pkgs-dir', pkgs.dir, '--package', 'hailort-pkg'];
    expect(
      await runCli([...base, '--talos-version', 'v1.11.5', '--release-mismatch', 'fail'], io),
    ).toBe(2);
    expect(io.err()).toContain("--release-mismatch is 'fail': use one of warn, error");
    const io2 = captureIo({ env: { GITHUB_REPOSITORY_OWNER: 'example-owner' } });
    expect(
      await runCli([...base, '--talos-version', 'main', '--release-mismatch', 'error'], io2),
    ).toBe(2);
    expect(io2.err()).toContain("input 'talos-version' is 'main', not a Talos release");
  });
});
