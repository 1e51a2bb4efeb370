/**
 * Small kernel and extension images for the build-installer tests, built FROM scratch with the
 * legacy builder and pushed with docker; several architectures are joined by `docker manifest`
 * (annotated with each platform, since the legacy builder records the host's). Also prepares copies
 * of the talos fixture checkout.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { docker } from '../support/docker';
import { createTalosCheckout } from '../support/fixture-repos';

/** Kernel release the test kernel and extensions use. */
export const testKernelRelease = '6.12.31-talos';

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
    docker(['build', '-q', '-t', ref, dir]);
    docker(['push', '-q', ref]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Joins per-arch images (`<ref>-<arch>`) into an index `ref`, each annotated with its platform. */
export function pushArchIndex(ref: string, arches: readonly string[]): void {
  try {
    docker(['manifest', 'rm', ref]);
  } catch {
    // no local list yet
  }
  docker(['manifest', 'create', '--insecure', ref, ...arches.map((a) => `${ref}-${a}`)]);
  for (const a of arches) {
    docker(['manifest', 'annotate', '--os', 'linux', '--arch', a, ref, `${ref}-${a}`]);
  }
  docker(['manifest', 'push', '--insecure', '--purge', ref]);
}

/** A kernel image (`/boot/vmlinuz`, `/usr/lib/modules/<kver>/…`) for each arch, as an index. */
export function pushKernelImage(ref: string, arches: readonly string[]): void {
  for (const arch of arches) {
    pushFilesImage(arches.length > 1 ? `${ref}-${arch}` : ref, {
      'boot/vmlinuz': `test kernel for ${arch}\n`,
      [`usr/lib/modules/${testKernelRelease}/modules.dep`]: '',
      [`usr/lib/modules/${testKernelRelease}/kernel/drivers/misc/in-tree.ko`]: `in-tree module ${arch}\n`,
    });
  }
  if (arches.length > 1) pushArchIndex(ref, arches);
}

/**
 * A system extension image (`manifest.yaml` + `rootfs/`) with one module, for each arch; an index
 * when several arches (or `index`).
 */
export function pushExtensionImage(
  ref: string,
  name: string,
  arches: readonly string[],
  options: { kernelRelease?: string; index?: boolean } = {},
): void {
  const kernelRelease = options.kernelRelease ?? testKernelRelease;
  const index = options.index ?? arches.length > 1;
  for (const arch of arches) {
    pushFilesImage(index ? `${ref}-${arch}` : ref, {
      'manifest.yaml': [
        'version: v1alpha1',
        'metadata:',
        `  name: ${name}`,
        '  version: "4.24.0"',
        '  author: talos-kmod tests',
        '  description: |',
        '    test extension',
        '  compatibility:',
        '    talos:',
        '      version: ">= v1.9.0"',
        '',
      ].join('\n'),
      [`rootfs/usr/lib/modules/${kernelRelease}/extras/${name}.ko`]: `${name} module for ${arch}\n`,
      [`rootfs/usr/lib/udev/rules.d/51-${name}.rules`]: `# ${name}\n`,
    });
  }
  if (index) pushArchIndex(ref, arches);
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
  execFileSync(
    'make',
    [
      'installer-base',
      'imager',
      `IMAGE_REGISTRY=${vars.registry}`,
      `USERNAME=${vars.username}`,
      'PUSH=true',
      `PLATFORM=${vars.platforms.join(',')}`,
      `INSTALLER_ARCH=${vars.platforms.length > 1 ? 'all' : 'targetarch'}`,
      `PKG_KERNEL=${vars.kernel}`,
      `TAG=${vars.tag}`,
    ],
    { cwd: checkout, stdio: 'ignore', env: { ...process.env, PWD: checkout } },
  );
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
