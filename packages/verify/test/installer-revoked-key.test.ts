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
import { makeSigner } from '../../kmod/test/helpers/synthetic-cms';
import { talosUki, ukiModulePath } from './helpers/talos-uki';

jest.setTimeout(5 * 60_000);

const root = mkdtempSync(join(tmpdir(), 'verify-installer-revoked-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ukiPath = 'usr/install/amd64/vmlinuz.efi';

it('does not verify an extension module signed by a key the installer kernel revokes', async () => {
  const trusted = makeSigner({ serial: [0x11, 0x01] });
  const revoked = makeSigner({ serial: [0x22, 0x02] });
  const uki = talosUki({
    dir: join(root, 'revoked'),
    signer: revoked,
    extensionsCompressed: true,
    certificates: [trusted.certDer],
    revoked: [revoked.certDer],
  });
  const contents = await inspectInstaller({
    arch: 'amd64',
    bootFormat: 'uki',
    files: new Map([[ukiPath, uki]]),
  });
  expect(contents.kernel.certificates).toHaveLength(1);
  expect(contents.kernel.revokedCertificates).toHaveLength(1);
  expect(contents.modules).toHaveLength(1);
  const [module] = contents.modules;
  expect(module?.path).toBe(ukiModulePath);
  expect(module?.verdict).toBe('unknown-key');
  expect(module?.reason).toContain('a certificate the kernel revokes');
  expect(contents.extensions[0]?.verdicts).toEqual({ 'unknown-key': 1 });
});

it('without the revocation list the same module is unknown-key for an unknown signer, not a revoked one', async () => {
  const trusted = makeSigner({ serial: [0x11, 0x01] });
  const other = makeSigner({ serial: [0x22, 0x02] });
  const uki = talosUki({
    dir: join(root, 'unknown'),
    signer: other,
    extensionsCompressed: true,
    certificates: [trusted.certDer],
  });
  const contents = await inspectInstaller({
    arch: 'amd64',
    bootFormat: 'uki',
    files: new Map([[ukiPath, uki]]),
  });
  expect(contents.kernel.revokedCertificates).toBeUndefined();
  expect(contents.modules.map((m) => m.verdict)).toEqual(['unknown-key']);
  expect(contents.modules[0]?.reason).not.toContain('revokes');
});
