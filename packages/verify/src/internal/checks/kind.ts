/** Which image of the chain this is, and for installers what can and cannot be verified. */
import { imageKindNames, fail, pass, type Finding } from '@talos-kmod/talos';
import { type CheckContext } from './context';

/** The `image.kind` outcome. */
export function checkKind(ctx: CheckContext): Finding[] {
  const { kind, evidence } = ctx.kind;
  if (kind === 'unknown') {
    return [
      fail(
        'image.kind',
        'error',
        `nothing to verify: the image is none of the chain's images (a kernel image with /boot/vmlinuz, a module package with /usr/lib/modules/<kver>/, a system extension with manifest.yaml and rootfs/, an installer with /usr/install/<arch>/); check the reference points at the right image`,
      ),
    ];
  }
  return [pass('image.kind', `${imageKindNames[kind]} (found ${evidence.join(', ')})`, 'info')];
}

/** Installer images: the boot assets found and the release they boot (the contents: installer/). */
export function checkInstaller(ctx: CheckContext): Finding[] {
  const assets = ctx.kind.installer ?? [];
  if (ctx.kind.kind !== 'installer') return [];
  const sizes = new Map(ctx.tree.entries.map((e) => [e.path, e.size]));
  const found = assets.map(
    (a) =>
      `${a.arch}: ${a.bootFormat === 'uki' ? 'UKI' : 'kernel + initramfs'} ${a.files.map((f) => `${f} (${((sizes.get(f) ?? 0) / 1048576).toFixed(1)} MiB)`).join(', ')}`,
  );
  const outcomes: Finding[] = [
    pass('installer.assets', `boot assets: ${found.join('; ')}`, 'info'),
  ];
  const arch = ctx.options.platform?.architecture;
  if (arch && !assets.some((a) => a.arch === arch)) {
    outcomes.push(
      fail(
        'installer.assets',
        'error',
        `the installer for platform ${ctx.options.platform?.os}/${arch} has no boot assets for ${arch} (found ${assets.map((a) => a.arch).join(', ')}): run the imager with --arch ${arch}`,
      ),
    );
  }
  outcomes.push(...installerRelease(ctx));
  return outcomes;
}

/** The installer boots the kernel the modules were built for. */
function installerRelease(ctx: CheckContext): Finding[] {
  const id = 'installer.kernel-release';
  const out: Finding[] = [];
  const reference = ctx.referenceRelease;
  for (const b of ctx.tree.bootReleases) {
    if (b.release === undefined) {
      out.push(
        pass(id, `${b.path}: no kernel release readable (${b.reason}); not compared`, 'info'),
      );
    } else if (!reference) {
      out.push(
        pass(
          id,
          `${b.path} boots kernel ${b.release}; pass kernel-image or kernel-release to compare`,
          'info',
        ),
      );
    } else if (b.release === reference) {
      out.push(pass(id, `${b.path} boots kernel ${b.release}, the kernel the modules are for`));
    } else {
      out.push(
        fail(
          id,
          'error',
          `${b.path} boots kernel ${b.release}, but the kernel image is ${reference}: the installer was made by an imager that embeds another kernel (a stock imager?), so the node would refuse the extension's modules. Build installer-base and the imager with this kernel (make installer-base imager PKG_KERNEL=<kernel-image>) and rebuild the installer with that imager`,
          { path: b.path },
        ),
      );
    }
  }
  return out;
}
