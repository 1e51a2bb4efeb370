/**
 * Before the imager runs: every extension going into the installer is verified against the
 * certificate of the kernel the installer will boot (@talos-kmod/verify, check
 * `signature.certificate`). An official extension's modules are signed by Sidero's build key,
 * which a fork's kernel does not trust: the node would refuse them at load time, so the step
 * fails here, naming the extension, its signer and how to rebuild it from the fork.
 */
import { UserError, type Logger } from '@talos-kmod/common';
import type { PinnedReference, Reference, RegistryOptions } from '@talos-kmod/oci';
import { verifyImage, type ModuleReport } from '@talos-kmod/verify';

/** One extension whose modules the kernel would refuse. */
export interface RefusedExtension {
  readonly image: PinnedReference;
  /** Its modules the kernel refuses, with their signers. */
  readonly modules: readonly ModuleReport[];
}

/** `R/U/kernel:T@…` → `{prefix: 'R/U', tag: 'T'}`: the PKGS_PREFIX and PKGS of the fork's build. */
export function forkPkgs(ref: Reference): { prefix: string; tag?: string } {
  const repo = ref.repository.split('/').slice(0, -1).join('/');
  return {
    prefix: [ref.registry, repo].filter(Boolean).join('/'),
    ...(ref.tag ? { tag: ref.tag } : {}),
  };
}

/** The last component of the repository: the extension's name. */
function baseName(ref: Reference): string {
  return ref.repository.split('/').pop() ?? ref.repository;
}

function signerText(m: ModuleReport): string {
  return `"${m.signer ?? 'unknown signer'}"${m.key ? ` key ${m.key}` : ''}`;
}

/** The message for refused extensions: each one with its signer, then the fix. */
export function refusedMessage(
  refused: readonly RefusedExtension[],
  kernel: PinnedReference,
  fork: { prefix: string; tag?: string },
): string {
  const lines = refused.map((r) => {
    const name = baseName(r.image);
    const signers = [...new Set(r.modules.map(signerText))].join(', ');
    const mods = r.modules
      .map((m) => m.name)
      .slice(0, 5)
      .join(', ');
    return `extension ${name} (${r.image.toString()}): ${r.modules.length} module(s) (${mods}) signed by ${signers}, which the kernel ${kernel.toString()} does not trust; the node would refuse them ("Loading of module with unavailable key is rejected")`;
  });
  const names = refused.map((r) => baseName(r.image)).join(' ');
  return (
    `${lines.join('\n')}\n` +
    `Rebuild ${refused.length > 1 ? 'them' : 'it'} from your extensions fork against your pkgs, as the module's own extension is built: ` +
    `make ${names} PKGS_PREFIX=${fork.prefix}${fork.tag ? ` PKGS=${fork.tag}` : ''} (build-extension with pkgs-prefix ${fork.prefix}), and pass the rebuilt image${refused.length > 1 ? 's' : ''} instead`
  );
}

/**
 * Verifies each extension against `kernel` (the kernel image the installer boots); throws a
 * UserError listing every extension the kernel would refuse (`warning`: logs it and goes on).
 */
export async function checkExtensionKeys(
  extensions: readonly PinnedReference[],
  kernel: PinnedReference,
  fork: { prefix: string; tag?: string },
  mode: 'error' | 'warning',
  deps: { logger: Logger; registry: RegistryOptions },
): Promise<void> {
  if (extensions.length === 0) return;
  const refused: RefusedExtension[] = [];
  await deps.logger.group("Verify every extension against the kernel's certificate", async () => {
    for (const image of extensions) {
      const report = await verifyImage(
        { image, kernelImage: kernel, failOn: 'error' },
        { logger: deps.logger, registry: deps.registry },
      );
      const proof = report.platforms.map((p) => p.proof);
      if (report.modules.some((m) => m.signed) && !proof.includes('certificate')) {
        throw new UserError(
          `no certificate could be read from the kernel ${kernel.toString()} to check ${image.toString()} against (${proof.join(', ') || 'no platform'}): pass the kernel image the installer boots`,
        );
      }
      const bad = report.modules.filter((m) => m.signed && m.verdict && m.verdict !== 'verified');
      const sameKeyFailed = report.checks.some(
        (c) =>
          c.status === 'fail' &&
          (c.id === 'signature.certificate' || c.id === 'signature.same-key'),
      );
      if (bad.length > 0 || sameKeyFailed) {
        refused.push({
          image,
          modules: bad.length > 0 ? bad : report.modules.filter((m) => m.signed),
        });
        continue;
      }
      const verified = report.modules.filter((m) => m.verdict === 'verified').length;
      deps.logger.info(
        `${image.toString()}: ${verified > 0 ? `${verified} module(s) verified against the kernel's certificate` : 'no kernel modules'}`,
      );
    }
  });
  if (refused.length === 0) return;
  const message = refusedMessage(refused, kernel, fork);
  if (mode === 'warning') {
    deps.logger.warning(`${message}. Building anyway (verify-installer: warning).`);
    return;
  }
  throw new UserError(
    `${message}. Nothing was built or pushed (verify-installer: warning builds and pushes it anyway).`,
  );
}
