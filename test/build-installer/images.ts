/**
 * Images for the build-installer tests: kernel and extension images per platform (a real bzImage
 * with the test key's certificate, modules built with kbuild and signed with sign-file), built with test
 * support's OCI layout builder (real per-platform configs) and pushed with skopeo; stand-in imagers
 * (busybox + a script, built with the legacy builder for their ENTRYPOINT); the talos fixture
 * checkout and its installer-base/imager built with make.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pushIndex, parseReference } from '@talos-kmod/oci';
import { docker } from '../support/docker';
import {
  manifestYaml,
  newDir,
  pushLayout,
  writeOciLayout,
  type TestImage,
} from '../support/images';
import { createTalosCheckout } from '../support/fixture-repos';
import { makeBzImage } from '../support/kernel-images';
import {
  buildTestModule,
  kernelRelease,
  makeSigningKey,
  signModule,
  type TestKey,
} from '../support/modules';

/** Kernel release the test kernel and extensions use: the release the test modules are built for. */
export const testKernelRelease = kernelRelease;

let testKey: Promise<TestKey> | undefined;
/** The one signing key of the build-installer tests' kernel (its certificate is in the bzImage). */
export function buildInstallerKey(): Promise<TestKey> {
  testKey ??= makeSigningKey({ name: 'build-installer-kernel' });
  return testKey;
}

/** A module `name` built with kbuild and signed with the test kernel's key. */
async function signedModule(name: string, with_?: TestKey): Promise<string> {
  const [built, key] = await Promise.all([buildTestModule({ name }), with_ ?? buildInstallerKey()]);
  return signModule(built, key);
}

/** skopeo refuses `name:tag@digest`; the digest alone names the same manifest. */
export function skopeoReference(ref: string): string {
  const at = ref.indexOf('@');
  if (at < 0) return ref;
  const name = ref.slice(0, at);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return `${colon > slash ? name.slice(0, colon) : name}${ref.slice(at)}`;
}

/** `skopeo inspect` of a reference on a plain-HTTP registry. */
export function skopeoInspect(ref: string, extra: readonly string[] = []): Record<string, unknown> {
  const out = execFileSync(
    'skopeo',
    ['inspect', '--tls-verify=false', ...extra, `docker://${skopeoReference(ref)}`],
    { encoding: 'utf8' },
  );
  return JSON.parse(out) as Record<string, unknown>;
}

/** The raw manifest (or index) of `ref`, and its digest as skopeo computes it. */
export function skopeoRaw(ref: string): { raw: Record<string, unknown>; digest: string } {
  const text = execFileSync(
    'skopeo',
    ['inspect', '--raw', '--tls-verify=false', `docker://${skopeoReference(ref)}`],
    {
      encoding: 'utf8',
    },
  );
  // skopeo prints the manifest's exact bytes; its digest is theirs.
  const digest = `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
  return { raw: JSON.parse(text) as Record<string, unknown>, digest };
}

/** Builds `files` (path → content) into an image FROM scratch tagged `ref` and pushes it. */
export function pushFilesImage(
  ref: string,
  files: Record<string, string | Buffer>,
  dockerfileExtra = '',
): void {
  const dir = mkdtempSync(join(tmpdir(), 'installer-test-image-'));
  try {
    mkdirSync(join(dir, 'root'));
    for (const [path, content] of Object.entries(files)) {
      const target = join(dir, 'root', path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content, { mode: path.startsWith('bin/') ? 0o755 : 0o644 });
    }
    writeFileSync(join(dir, 'Dockerfile'), `FROM scratch\nCOPY root/ /\n${dockerfileExtra}`);
    docker(['build', '--no-cache', '-q', '-t', ref, dir]);
    docker(['push', '-q', ref]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `host/repo:tag` → its parts. */
function splitReference(ref: string): { host: string; repo: string; tag: string } {
  const slash = ref.indexOf('/');
  const colon = ref.lastIndexOf(':');
  return {
    host: ref.slice(0, slash),
    repo: ref.slice(slash + 1, colon),
    tag: ref.slice(colon + 1),
  };
}

/**
 * Pushes `images` (one per platform) to `ref` with test support's OCI layout builder and skopeo:
 * an index when several, or one (`index`) wrapped in a single-entry index. Returns the pinned ref.
 */
async function pushImages(
  ref: string,
  images: readonly TestImage[],
  index = images.length > 1,
): Promise<string> {
  const { host, repo, tag } = splitReference(ref);
  const only = images[0];
  if (index && images.length === 1 && only) {
    const arch = only.platform?.architecture ?? 'amd64';
    const child = await pushLayout(
      await writeOciLayout(newDir('installer-test'), images, `${tag}-${arch}`),
      host,
      repo,
      `${tag}-${arch}`,
    );
    return (
      await pushIndex(parseReference(ref), [
        { reference: parseReference(child), platform: { os: 'linux', architecture: arch } },
      ])
    ).reference.toString();
  }
  return pushLayout(await writeOciLayout(newDir('installer-test'), images, tag), host, repo, tag);
}

/**
 * A kernel image per arch (an index when several): `/boot/vmlinuz` a bzImage embedding the test
 * key's certificate (test support's makeBzImage), one in-tree module signed with that key.
 */
export async function pushKernelImage(
  ref: string,
  arches: readonly string[],
  options: { vmlinuz?: Buffer } = {},
): Promise<string> {
  const key = await buildInstallerKey();
  const intree = await signedModule('intree_a');
  const vmlinuz =
    options.vmlinuz ??
    Buffer.from(
      makeBzImage({ release: testKernelRelease, certificates: [readFileSync(key.certDerPath)] }),
    );
  return pushImages(
    ref,
    arches.map((arch) => ({
      platform: { os: 'linux', architecture: arch },
      layers: [
        [
          { path: 'boot/vmlinuz', content: vmlinuz },
          {
            path: `usr/lib/modules/${testKernelRelease}/modules.dep`,
            content: 'kernel/drivers/misc/intree_a.ko:\n',
          },
          {
            path: `usr/lib/modules/${testKernelRelease}/kernel/drivers/misc/intree_a.ko`,
            content: { from: intree },
          },
        ],
      ],
    })),
  );
}

/**
 * A system extension image (`manifest.yaml` + `rootfs/`) with one module (`<name>.ko`, built and
 * signed with the test kernel's key, or `key`) and one udev rule, per arch; an index when several arches
 * (or `index`).
 */
export async function pushExtensionImage(
  ref: string,
  name: string,
  arches: readonly string[],
  options: { kernelRelease?: string; index?: boolean; key?: TestKey } = {},
): Promise<string> {
  const release = options.kernelRelease ?? testKernelRelease;
  const module = await signedModule(name, options.key);
  return pushImages(
    ref,
    arches.map((arch) => ({
      platform: { os: 'linux', architecture: arch },
      layers: [
        [
          {
            path: 'manifest.yaml',
            content: manifestYaml({ name, version: '4.24.0', talos: '>= v1.9.0' }),
          },
          {
            path: `rootfs/usr/lib/modules/${release}/extras/${name}.ko`,
            content: { from: module },
          },
          { path: `rootfs/usr/lib/udev/rules.d/51-${name}.rules`, content: `# ${name}\n` },
        ],
      ],
    })),
    options.index,
  );
}

/** test/fixtures/talos as a git checkout tagged `tag` (test support's createTalosCheckout). */
export function prepareTalosCheckout(tag = 'v1.11.0'): string {
  return createTalosCheckout(tag).dir;
}

/** Builds installer-base and imager in a fixture checkout with make, as a user would. */
export function makeFixtureImager(
  checkout: string,
  vars: { registry: string; username: string; tag: string; kernel: string; platforms: string[] },
): { installerBase: string; imager: string } {
  const args = [
    'installer-base',
    'imager',
    `IMAGE_REGISTRY=${vars.registry}`,
    `USERNAME=${vars.username}`,
    'PUSH=true',
    `PLATFORM=${vars.platforms.join(',')}`,
    `INSTALLER_ARCH=${vars.platforms.length > 1 ? 'all' : 'targetarch'}`,
    `PKG_KERNEL=${vars.kernel}`,
    `TAG=${vars.tag}`,
  ];
  const made = spawnSync('make', args, {
    cwd: checkout,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PWD: checkout },
  });
  if (made.status !== 0) {
    throw new Error(
      `make ${args.join(' ')} failed (exit ${made.status}) in ${checkout}:\n${(made.stdout + made.stderr).slice(-4000)}`,
    );
  }
  const prefix = `${vars.registry}/${vars.username}`;
  const pin = (name: string) =>
    `${prefix}/${name}:${vars.tag}@${skopeoRaw(`${prefix}/${name}:${vars.tag}`).digest}`;
  return { installerBase: pin('installer-base'), imager: pin('imager') };
}

/**
 * A stand-in imager that runs `script` (busybox sh) with the imager's arguments; `$arch` is set
 * from `--arch`. For the failure tests: an imager writing junk, writing nothing, or failing.
 */
export function pushScriptImager(ref: string, script: string): void {
  pushFilesImage(
    ref,
    {
      'bin/busybox': readFileSync('/bin/busybox'),
      'imager.sh': [
        'arch=amd64',
        'while [ $# -gt 0 ]; do [ "$1" = --arch ] && arch=$2; shift; done',
        script,
        '',
      ].join('\n'),
    },
    'ENTRYPOINT ["/bin/busybox", "sh", "/imager.sh"]\n',
  );
}

/** make image-installer in a checkout whose imager is built; the tarball path and make's output. */
export function makeFixtureInstaller(
  checkout: string,
  vars: { registry: string; username: string; tag: string; imagerArgs: readonly string[] },
): { tarball: string; log: string } {
  const made = spawnSync(
    'make',
    [
      'image-installer',
      `IMAGE_REGISTRY=${vars.registry}`,
      `USERNAME=${vars.username}`,
      `TAG=${vars.tag}`,
      `IMAGER_ARGS=${vars.imagerArgs.join(' ')}`,
    ],
    {
      cwd: checkout,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, PWD: checkout },
    },
  );
  if (made.status !== 0) {
    throw new Error(
      `make image-installer failed (exit ${made.status}) in ${checkout}:\n${(made.stdout + made.stderr).slice(-4000)}`,
    );
  }
  // a copy, so the next run in the checkout does not replace it
  const tarball = join(mkdtempSync(join(tmpdir(), 'installer-tar-')), 'installer-amd64.tar');
  copyFileSync(join(checkout, '_out', 'installer-amd64.tar'), tarball);
  return { tarball, log: made.stdout + made.stderr };
}
