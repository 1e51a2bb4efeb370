import { describe, expect, it } from '@jest/globals';
import {
  extensionsMakeArgs,
  isMakeValue,
  makeValue,
  metadataFileCiArg,
  parseMakeArgs,
  parseMakefile,
  makeVariable,
  pkgsMakeArgs,
  type MakeValue,
} from '@talos-kmod/talos';

/** A literal as the validated value the builders take. */
const mv = (s: string): MakeValue => makeValue('test value', s);

const base = {
  registry: mv('127.0.0.1:5005'),
  username: mv('michael-robbins'),
  push: true,
  platforms: ['linux/amd64'].map(mv),
  tag: mv('a358137'),
};

describe('pkgsMakeArgs', () => {
  it('builds the seed command line with TAG explicit and CI_ARGS last', () => {
    expect(
      pkgsMakeArgs({
        ...base,
        targets: ['kernel', 'hailort-pkg'],
        ciArgs: [metadataFileCiArg('/tmp/meta')],
      }),
    ).toEqual([
      'kernel',
      'hailort-pkg',
      'REGISTRY=127.0.0.1:5005',
      'USERNAME=michael-robbins',
      'PUSH=true',
      'PLATFORM=linux/amd64',
      'TAG=a358137',
      'CI_ARGS=--metadata-file=/tmp/meta/$*.metadata.json',
    ]);
  });

  it('joins platforms with commas and puts make-args CI_ARGS before the step flags', () => {
    const args = pkgsMakeArgs({
      ...base,
      push: false,
      platforms: ['linux/amd64', 'linux/arm64'].map(mv),
      targets: ['kernel'],
      makeArgs: parseMakeArgs(['PROGRESS=plain', 'CI_ARGS=--cache-from=type=registry,ref=r/c']),
      ciArgs: ['--metadata-file=/m/$*.json'],
    });
    expect(args).toEqual([
      'kernel',
      'REGISTRY=127.0.0.1:5005',
      'USERNAME=michael-robbins',
      'PUSH=false',
      'PLATFORM=linux/amd64,linux/arm64',
      'TAG=a358137',
      'PROGRESS=plain',
      'CI_ARGS=--cache-from=type=registry,ref=r/c --metadata-file=/m/$*.json',
    ]);
  });

  it('refuses empty values that would fall back to the Makefile defaults', () => {
    expect(() => pkgsMakeArgs({ ...base, registry: mv(''), targets: ['kernel'] })).toThrow(
      /registry/,
    );
    expect(() => pkgsMakeArgs({ ...base, platforms: [], targets: ['kernel'] })).toThrow(
      /platforms/,
    );
  });
});

describe('extensionsMakeArgs', () => {
  it('selects the fork packages with PKGS_PREFIX and PKGS, without PKG_KERNEL', () => {
    const args = extensionsMakeArgs({
      ...base,
      targets: ['hailort'],
      pkgsPrefix: mv('127.0.0.1:5005/michael-robbins'),
      pkgsTag: mv('a358137'),
    });
    expect(args).toEqual([
      'hailort',
      'REGISTRY=127.0.0.1:5005',
      'USERNAME=michael-robbins',
      'PUSH=true',
      'PLATFORM=linux/amd64',
      'TAG=a358137',
      'PKGS_PREFIX=127.0.0.1:5005/michael-robbins',
      'PKGS=a358137',
    ]);
    expect(args.some((a) => a.startsWith('PKG_KERNEL'))).toBe(false);
  });
});

describe('parseMakeArgs', () => {
  it('accepts NAME=value items separated by whitespace or given as a list', () => {
    expect(
      parseMakeArgs('PROGRESS=plain  WITH_BUILD_DEBUG=1\nGNU_MIRROR_URL=https://m.example/x'),
    ).toEqual([
      { name: 'PROGRESS', value: 'plain' },
      { name: 'WITH_BUILD_DEBUG', value: '1' },
      { name: 'GNU_MIRROR_URL', value: 'https://m.example/x' },
    ]);
  });

  it('refuses variables the step sets itself, naming the input to use', () => {
    expect(() => parseMakeArgs(['TAG=v1'])).toThrow(/use the 'tag' input instead/);
    expect(() => parseMakeArgs(['PKGS=v1'])).toThrow(/use the 'pkgs-tag' input instead/);
    expect(() => parseMakeArgs(['PLATFORM=linux/arm64'])).toThrow(/'platforms' input/);
  });

  it('refuses bare targets and unsafe values', () => {
    expect(() => parseMakeArgs(['kernel'])).toThrow(/not a NAME=value assignment/);
    for (const name of ['SHELL', 'MAKEFLAGS', 'MAKEFILES', 'GNUMAKEFLAGS', 'MFLAGS', 'MAKE']) {
      expect(() => parseMakeArgs([`${name}=/tmp/x`])).toThrow(
        new RegExp(`'${name}=…' is refused: ${name} changes how make runs`),
      );
    }
    expect(parseMakeArgs(['SHELLCHECK=1', 'MAKEFILE_DIR=x'])).toHaveLength(2);
    expect(() => parseMakeArgs(['PROGRESS=plain;id'])).toThrow(/contains ';'/);
    expect(() => parseMakeArgs(['CI_ARGS=--x=`id`'])).toThrow(/backtick/);
  });
});

describe('makeValue', () => {
  it.each([
    ['ghcr.io; rm -rf /', "';'"],
    ['me $(id)', 'a space'],
    ['v1`id`', 'a backtick'],
    ['v1"', 'a double quote'],
    ["v1'", 'a single quote'],
    ['a\nb', 'a newline'],
    ['a$b', "'$'"],
  ])('refuses %j, which would change the command line, naming the value', (value, what) => {
    expect(isMakeValue(value)).toBe(false);
    expect(() => makeValue("the tag 'git describe' printed", value)).toThrow(
      new RegExp(
        `^the tag 'git describe' printed is .* which contains ${what.replace(/[$()]/g, '\\$&')}`,
      ),
    );
  });

  it('accepts registry references, tags, platforms and buildx flags', () => {
    for (const v of [
      'ghcr.io',
      'localhost:5000',
      'v1.11.0-alpha.0-35-g0aaa07a-dirty',
      'linux/amd64',
      'r/u/hailort-pkg:t@sha256:abc',
      '--cache-to=type=registry,ref=ghcr.io/u/cache,mode=max',
    ]) {
      expect(makeValue('v', v)).toBe(v);
    }
  });
});

describe('metadataFileCiArg', () => {
  it('names one file per target through the target-% stem and refuses relative or unsafe dirs', () => {
    expect(metadataFileCiArg('/tmp/x')).toBe('--metadata-file=/tmp/x/$*.metadata.json');
    expect(() => metadataFileCiArg('rel')).toThrow(/absolute/);
    expect(() => metadataFileCiArg('/tmp/a b')).toThrow(/space/);
  });
});

describe('parseMakefile', () => {
  const text = [
    'TAG ?= $(shell git describe --tag --always --dirty --match v[0-9]\\*)',
    'PKGS ?= v1.15.0-alpha.0-7-gb914c26',
    'PKGS_PREFIX ?= ghcr.io/siderolabs',
    'export define HELP_MENU_HEADER',
    'TARGETS = not-a-target',
    'endef',
    'TARGETS = apparmor',
    'TARGETS += kernel',
    'TARGETS += drbd-pkg',
    'NONFREE_TARGETS = nonfree-kmod-nvidia-lts-pkg',
    '$(TARGETS) $(NONFREE_TARGETS):',
    '\t@$(MAKE) docker-$@ TARGET_ARGS="--tag=$(REGISTRY_AND_USERNAME)/$@:$(TAG) --push=$(PUSH)"',
  ].join('\n');

  it('reads TARGETS and NONFREE_TARGETS in order with their lines, skipping define bodies', () => {
    const info = parseMakefile(text);
    expect(info.targets).toEqual([
      { name: 'apparmor', line: 7 },
      { name: 'kernel', line: 8 },
      { name: 'drbd-pkg', line: 9 },
    ]);
    expect(info.nonfreeTargets.map((t) => t.name)).toEqual(['nonfree-kmod-nvidia-lts-pkg']);
  });

  it('reports variable defaults', () => {
    const info = parseMakefile(text);
    expect(makeVariable(info, 'PKGS_PREFIX')).toBe('ghcr.io/siderolabs');
    expect(makeVariable(info, 'PKGS')).toBe('v1.15.0-alpha.0-7-gb914c26');
    expect(makeVariable(info, 'MISSING')).toBeUndefined();
  });
});
