import { describe, expect, it } from '@jest/globals';
import {
  buildImagerArgs,
  describeImagerExitCode,
  imageInstallerMakeArgs,
  imagerDockerRunArgs,
  installerBaseImagerMakeArgs,
  installerTarballPath,
  makeValue,
  parseMakeArgs,
  talosImageReference,
  talosReservedMakeVariables,
  type MakeValue,
} from '@talos-kmod/talos';

/** A literal as the validated value the builders take. */
const mv = (s: string): MakeValue => makeValue('test value', s);

const target = {
  imageRegistry: mv('127.0.0.1:5005'),
  username: mv('michael-robbins'),
  tag: mv('v1.11.0-alpha.0-35-g0aaa07a'),
  platforms: ['linux/amd64'].map(mv),
};
const kernel = mv(
  '127.0.0.1:5005/michael-robbins/kernel:a358137@sha256:0dd225a56b52c84ebe823614d64bb754359ac5f98f7718cca34b388544a7cfe4',
);

describe('make-args on the talos make lines', () => {
  const makeArgs = parseMakeArgs(
    ['PROGRESS=plain', 'CI_ARGS=--cache-from=type=gha'],
    talosReservedMakeVariables,
  );

  it('appends the variables last, on both make invocations', () => {
    const first = installerBaseImagerMakeArgs({ ...target, kernelImage: kernel, makeArgs });
    const second = imageInstallerMakeArgs({ ...target, imagerArgs: [], makeArgs });
    for (const args of [first, second]) {
      expect(args.slice(-2)).toEqual(['PROGRESS=plain', 'CI_ARGS=--cache-from=type=gha']);
    }
  });

  it.each(['PKG_KERNEL', 'IMAGER_ARGS', 'INSTALLER_ARCH', 'IMAGE_REGISTRY', 'TAG'])(
    'refuses %s, which the step sets itself, naming the input to use',
    (name) => {
      expect(() => parseMakeArgs([`${name}=x`], talosReservedMakeVariables)).toThrow(
        new RegExp(`sets ${name}, which this step sets itself: use the '[a-z-]+' input instead`),
      );
    },
  );
});

describe('installerBaseImagerMakeArgs', () => {
  it('builds the upstream make line with IMAGE_REGISTRY, PUSH=true, targetarch and a pinned PKG_KERNEL', () => {
    expect(installerBaseImagerMakeArgs({ ...target, kernelImage: kernel })).toEqual([
      'installer-base',
      'imager',
      'IMAGE_REGISTRY=127.0.0.1:5005',
      'USERNAME=michael-robbins',
      'PUSH=true',
      'PLATFORM=linux/amd64',
      'INSTALLER_ARCH=targetarch',
      `PKG_KERNEL=${kernel}`,
      'TAG=v1.11.0-alpha.0-35-g0aaa07a',
    ]);
  });

  it('uses INSTALLER_ARCH=all and a comma-joined PLATFORM for several platforms', () => {
    const args = installerBaseImagerMakeArgs({
      ...target,
      platforms: ['linux/amd64', 'linux/arm64'].map(mv),
      kernelImage: kernel,
    });
    expect(args).toContain('PLATFORM=linux/amd64,linux/arm64');
    expect(args).toContain('INSTALLER_ARCH=all');
  });
});

describe('imageInstallerMakeArgs', () => {
  it('passes the same TAG/USERNAME/IMAGE_REGISTRY and the imager flags in IMAGER_ARGS', () => {
    const imagerArgs = buildImagerArgs({
      baseInstallerImage: mv('127.0.0.1:5005/u/installer-base:v1@sha256:' + 'a'.repeat(64)),
      extensionImages: ['127.0.0.1:5005/u/hailort:4.24.0@sha256:' + 'b'.repeat(64)].map(mv),
      extraKernelArgs: ['console=ttyS0,115200'].map(mv),
      insecure: true,
    });
    expect(imageInstallerMakeArgs({ ...target, imagerArgs })).toEqual([
      'image-installer',
      'IMAGE_REGISTRY=127.0.0.1:5005',
      'USERNAME=michael-robbins',
      'TAG=v1.11.0-alpha.0-35-g0aaa07a',
      'PLATFORM=linux/amd64',
      `IMAGER_ARGS=--base-installer-image 127.0.0.1:5005/u/installer-base:v1@sha256:${'a'.repeat(64)} ` +
        `--system-extension-image 127.0.0.1:5005/u/hailort:4.24.0@sha256:${'b'.repeat(64)} ` +
        '--extra-kernel-arg console=ttyS0,115200 --insecure',
    ]);
  });
});

describe('buildImagerArgs', () => {
  it('passes a negated kernel argument in the --flag=value form', () => {
    expect(
      buildImagerArgs({
        extensionImages: [],
        extraKernelArgs: ['-module.sig_enforce', 'module.sig_enforce=0'].map(mv),
        insecure: false,
      }),
    ).toEqual([
      '--extra-kernel-arg=-module.sig_enforce',
      '--extra-kernel-arg',
      'module.sig_enforce=0',
    ]);
  });

  it('repeats --system-extension-image and --extra-kernel-arg in order, without --insecure when not asked', () => {
    expect(
      buildImagerArgs({
        extensionImages: ['r/a:1', 'r/b:2'].map(mv),
        extraKernelArgs: ['x=1', 'y'].map(mv),
        insecure: false,
      }),
    ).toEqual([
      '--system-extension-image',
      'r/a:1',
      '--system-extension-image',
      'r/b:2',
      '--extra-kernel-arg',
      'x=1',
      '--extra-kernel-arg',
      'y',
    ]);
  });

  it('passes an SBC overlay as --overlay-image, --overlay-name and one --overlay-option=k=v each', () => {
    expect(
      buildImagerArgs({
        extensionImages: [],
        extraKernelArgs: [],
        overlayImage: mv('ghcr.io/siderolabs/sbc-raspberrypi:v0.1.0'),
        overlayName: mv('rpi_generic'),
        overlayOptions: ['configTxtAppend=dtoverlay=vc4-kms-v3d'].map(mv),
        insecure: false,
      }),
    ).toEqual([
      '--overlay-image',
      'ghcr.io/siderolabs/sbc-raspberrypi:v0.1.0',
      '--overlay-name',
      'rpi_generic',
      '--overlay-option=configTxtAppend=dtoverlay=vc4-kms-v3d',
    ]);
  });
});

describe('imagerDockerRunArgs', () => {
  it('runs the installer profile with host networking, the output mounted at /out and the caller as user', () => {
    expect(
      imagerDockerRunArgs({
        imagerImage: mv('r/u/imager:v1@sha256:' + 'c'.repeat(64)),
        arch: mv('arm64'),
        outDir: '/tmp/out',
        user: '1001:118',
        baseInstallerImage: mv('r/u/installer-base:v1'),
        extensionImages: ['r/u/ext:1'].map(mv),
        extraKernelArgs: [],
        insecure: false,
      }),
    ).toEqual([
      'run',
      '--rm',
      '--network=host',
      '--user',
      '1001:118',
      '-e',
      'GITHUB_TOKEN',
      '-v',
      '/tmp/out:/out',
      'r/u/imager:v1@sha256:' + 'c'.repeat(64),
      'installer',
      '--arch',
      'arm64',
      '--base-installer-image',
      'r/u/installer-base:v1',
      '--system-extension-image',
      'r/u/ext:1',
    ]);
  });
});

describe('talos checkout paths and names', () => {
  it('names the pushed images $(IMAGE_REGISTRY)/$(USERNAME)/<name>:$(TAG)', () => {
    expect(talosImageReference(target, 'imager').toString()).toBe(
      '127.0.0.1:5005/michael-robbins/imager:v1.11.0-alpha.0-35-g0aaa07a',
    );
  });

  it('finds the installer tarball under _out', () => {
    expect(installerTarballPath('/w/talos', 'amd64')).toBe('/w/talos/_out/installer-amd64.tar');
  });

  it('explains Talos >= 1.14 imager exit codes', () => {
    expect(describeImagerExitCode(2)).toMatch(/invalid input/);
    expect(describeImagerExitCode(5)).toMatch(/pulling an image failed/);
    expect(describeImagerExitCode(42)).toMatch(/imager output/);
  });
});
