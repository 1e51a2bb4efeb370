/**
 * An installer whose kernel revokes the key an extension's module was signed with: the kernel
 * puts certs/revocation_certificates.S's list into its blacklist keyring and refuses the module
 * (EKEYREJECTED), so the installer check must not call it verified, and must say why. Real
 * formats (objcopy on systemd's stub, GNU cpio, zstd, mksquashfs; the kernel's certificate lists
 * laid out as the kernel's own assembler files do).
 */
import { afterAll, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectInstaller } from '../src/internal/installer/inspect-installer';
import { makeSigner, type TestSigner } from '../../kmod/test/helpers/synthetic-cms';
import { talosUki, ukiModulePath } from './helpers/talos-uki';

jest.setTimeout(5 * 60_000);

const root = mkdtempSync(join(tmpdir(), 'verify-installer-revoked-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ukiPath = 'usr/install/amd64/vmlinuz.efi';

/** The installer contents of a UKI whose kernel trusts `trusted` and revokes `revoked`. */
async function inspectUki(
  name: string,
  signer: TestSigner,
  trusted: TestSigner,
  revoked?: TestSigner,
) {
  const uki = talosUki({
    dir: join(root, name),
    signer,
    extensionsCompressed: true,
    certificates: [trusted.certDer],
    ...(revoked ? { revoked: [revoked.certDer] } : {}),
  });
  return inspectInstaller({ arch: 'amd64', bootFormat: 'uki', files: new Map([[ukiPath, uki]]) });
}

const trusted = makeSigner({ serial: [0x11, 0x01] });
const other = makeSigner({ serial: [0x22, 0x02] });

it('does not verify an extension module signed by a key the installer kernel revokes', async () => {
  const contents = await inspectUki('revoked', other, trusted, other);
  expect(contents.kernel.certificates).toHaveLength(1);
  expect(contents.kernel.revokedCertificates).toHaveLength(1);
  expect(contents.modules).toHaveLength(1);
  const [module] = contents.modules;
  expect(module?.path).toBe(ukiModulePath);
  expect(module?.verdict).toBe('unknown-key');
  expect(module?.reason).toContain('a certificate the kernel revokes');
  expect(contents.extensions[0]?.verdicts).toEqual({ 'unknown-key': 1 });
});

it('does not verify a module whose signer the kernel both trusts and revokes', async () => {
  // the kernel loads both lists and is_key_on_revocation_list() refuses the key whatever trusts it
  const contents = await inspectUki('both', trusted, trusted, trusted);
  expect(contents.kernel.certificates).toHaveLength(1);
  expect(contents.kernel.revokedCertificates).toHaveLength(1);
  expect(contents.modules.map((m) => m.verdict)).toEqual(['unknown-key']);
  expect(contents.modules[0]?.reason).toContain('a certificate the kernel revokes');
});

it('without the revocation list the same module is unknown-key for an unknown signer, not a revoked one', async () => {
  const contents = await inspectUki('unknown', other, trusted);
  expect(contents.kernel.revokedCertificates).toBeUndefined();
  expect(contents.modules.map((m) => m.verdict)).toEqual(['unknown-key']);
  expect(contents.modules[0]?.reason).not.toContain('revokes');
});
