/**
 * The fixture repositories keep the upstream Makefile interface: `make -n` shows the build command
 * each target would run, with the flags in the order the kres Makefiles use and CI_ARGS last, and
 * the per-target metadata path the steps pass through CI_ARGS expands to each target's name.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  extensionsMakeArgs,
  makeValue,
  metadataFileCiArg,
  pkgsMakeArgs,
  type MakeValue,
} from '@talos-kmod/talos';

/** A literal as the validated value the builders take. */
const mv = (s: string): MakeValue => makeValue('test value', s);
import { createFixtureRepo, fixturesDir, type FixtureRepo } from '../support/fixture-repos';

const repos: FixtureRepo[] = [];
afterAll(() => repos.forEach((r) => r.remove()));

/** The build commands `make -n` prints (the fake-buildx lines). */
function dryRun(dir: string, args: readonly string[]): string[] {
  return execFileSync('make', ['-n', '--no-print-directory', ...args], {
    cwd: dir,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((l) => l.includes('fake-buildx build'));
}

describe('fixture Makefiles', () => {
  it('run one build per target with the upstream flag order, CI_ARGS last, and per-target metadata files', () => {
    const repo = createFixtureRepo('pkgs');
    repos.push(repo);
    const sha = repo.git('rev-parse', '--short', 'HEAD');
    const args = pkgsMakeArgs({
      targets: ['kernel', 'hailort-pkg'],
      registry: mv('127.0.0.1:5005'),
      username: mv('u'),
      push: true,
      platforms: ['linux/amd64'].map(mv),
      tag: mv(sha),
      ciArgs: [metadataFileCiArg('/tmp/meta')],
    });
    const lines = dryRun(repo.dir, args);
    expect(lines).toHaveLength(2);
    for (const [i, target] of ['kernel', 'hailort-pkg'].entries()) {
      expect(lines[i]).toMatch(
        new RegExp(
          `^hack/fake-buildx build --target=${target} --file=Pkgfile --provenance=false --sbom=false ` +
            `--progress=auto --platform=linux/amd64 --build-arg=SOURCE_DATE_EPOCH=\\d+ ` +
            `--build-arg=GNU_MIRROR_URL="https://mirrors.kernel.org" ` +
            `--tag=127.0.0.1:5005/u/${target}:${sha} --push=true ` +
            `--metadata-file=/tmp/meta/${target}\\.metadata\\.json \\.$`,
        ),
      );
    }
  });

  it('pass the extensions build args and keep the step CI_ARGS after the Makefile metadata file', () => {
    const repo = createFixtureRepo('extensions');
    repos.push(repo);
    const args = extensionsMakeArgs({
      targets: ['hailort'],
      registry: mv('r.example'),
      username: mv('u'),
      push: false,
      platforms: ['linux/amd64'].map(mv),
      tag: mv('v1.11.0'),
      pkgsPrefix: mv('r.example/u'),
      pkgsTag: mv('abc1234'),
      ciArgs: [metadataFileCiArg('/tmp/meta')],
    });
    const [line] = dryRun(repo.dir, args);
    expect(line).toContain(
      '--build-arg=TAG="v1.11.0" --build-arg=PKGS="abc1234" --build-arg=PKGS_PREFIX="r.example/u" ' +
        '--build-arg=TOOLS="v1.15.0-alpha.0-2-gd102f15" --build-arg=TOOLS_PREFIX="ghcr.io/siderolabs"',
    );
    expect(line).toMatch(
      /--push=false --metadata-file=_out\/hailort\.metadata\.json --metadata-file=\/tmp\/meta\/hailort\.metadata\.json \.$/,
    );
  });

  it('share one buildx helper between the two fixtures', () => {
    const lib = (name: string) =>
      readFileSync(join(fixturesDir, name, 'hack', 'buildx-lib.sh'), 'utf8');
    expect(lib('pkgs')).toBe(lib('extensions'));
  });
});
