/**
 * Module signatures. Talos boots with `module.sig_enforce=1`: every module must be signed, and by
 * the key compiled into the node's kernel. That key is a throw-away key made by each uncached
 * kernel build, so a module package only loads with the kernel built in the same run. When the
 * kernel's certificate is known, each signature is verified against it (checks/certificate.ts);
 * otherwise all modules of one build share signer and key id, so the kernel image's in-tree
 * modules are the reference (the fallback proof).
 */
import type { SignatureProof } from '../../report';
import type { CollectedModule } from '../collect';
import type { KernelKey } from '../kernel-reference';
import { certificateChecks, fixKey, kernelCertificateCheck } from './certificate';
import { count, listSome, type CheckContext } from './context';
import { fail, withPass, pass, type Finding } from '@talos-kmod/talos';

function identity(k: { signer?: string; keyId?: string }): string {
  return `signer "${k.signer ?? ''}", key ${k.keyId ?? '?'}`;
}

function formatChecks(modules: readonly CollectedModule[]): Finding[] {
  const out: Finding[] = [];
  for (const m of modules) {
    for (const p of m.problems) {
      out.push(
        fail(
          'module.format',
          'error',
          `${m.path}: ${p}. The kernel cannot load a module it cannot parse or whose signature it rejects: rebuild and re-sign it`,
          { path: m.path },
        ),
      );
    }
  }
  return withPass(
    out,
    'module.format',
    `${count(modules.length, 'module')} read: ELF .modinfo and signature parse`,
  );
}

function signedChecks(modules: readonly CollectedModule[]): Finding[] {
  const out: Finding[] = [];
  for (const m of modules) {
    if (m.signed) continue;
    out.push(
      fail(
        'signature.signed',
        'error',
        `${m.name} (${m.path}) is not signed: Talos enforces module signatures (module.sig_enforce=1) and refuses it. Build it in the pkgs tree against kernel-build so modules_install signs it (CONFIG_MODULE_SIG_ALL), and strip only with INSTALL_MOD_STRIP (before signing), never after`,
        { path: m.path },
      ),
    );
  }
  const signed = modules.filter((m) => m.signed).length;
  return withPass(out, 'signature.signed', `${count(signed, 'module')} signed`);
}

function kernelKeyChecks(ctx: CheckContext): { reference?: KernelKey; outcomes: Finding[] } {
  const kernel = ctx.kernel;
  if (!kernel) return { outcomes: [] };
  const [reference, ...others] = kernel.keys;
  if (!reference) {
    return {
      outcomes: [
        fail(
          'signature.kernel-keys',
          'error',
          `the kernel image ${kernel.description} has no signed in-tree modules (${count(kernel.moduleCount, 'module')} found under ${kernel.modulesRoot}), so there is no key to compare with: pass the kernel image built by pkgs (make kernel), whose modules are signed`,
        ),
      ],
    };
  }
  if (others.length > 0) {
    const groups = kernel.keys.map(
      (k) => `${identity(k)} on ${count(k.count, 'module')} (e.g. ${k.example})`,
    );
    return {
      reference,
      outcomes: [
        fail(
          'signature.kernel-keys',
          'error',
          `the kernel image's in-tree modules disagree about their key: ${groups.join('; ')}. One kernel build signs all its modules with one key, so this image mixes builds; rebuild the kernel image in one run`,
        ),
      ],
    };
  }
  return {
    reference,
    outcomes: [
      pass(
        'signature.kernel-keys',
        `the kernel's ${count(reference.count, 'in-tree module')} share ${identity(reference)}`,
      ),
    ],
  };
}

function sameKeyChecks(modules: readonly CollectedModule[], reference: KernelKey): Finding[] {
  const out: Finding[] = [];
  for (const m of modules) {
    if (!m.signed || m.keyId === undefined) continue;
    if (m.signer === reference.signer && m.keyId === reference.keyId) continue;
    out.push(
      fail(
        'signature.same-key',
        'error',
        `${m.name} (${m.path}) is signed with ${identity(m)}, but the kernel's own modules are signed with ${identity(reference)}, so the node will not load it ("Loading of module with unavailable key is rejected"). ${fixKey}`,
        { path: m.path },
      ),
    );
  }
  const signed = modules.filter((m) => m.signed).length;
  return withPass(
    out,
    'signature.same-key',
    `${count(signed, 'signed module')} ${signed === 1 ? 'uses' : 'use'} the kernel's key (${identity(reference)})`,
  );
}

function consistencyChecks(modules: readonly CollectedModule[]): Finding[] {
  const groups = new Map<string, CollectedModule[]>();
  for (const m of modules) {
    if (!m.signed || m.keyId === undefined) continue;
    const k = identity(m);
    const group = groups.get(k);
    if (group) group.push(m);
    else groups.set(k, [m]);
  }
  if (groups.size <= 1) {
    const [k] = groups.keys();
    return [
      pass(
        'signature.consistent',
        k
          ? `every signed module has ${k}; pass kernel-image to check it is the kernel's key`
          : 'no signed modules to compare',
      ),
    ];
  }
  const list = [...groups].map(
    ([k, ms]) =>
      `${k} on ${listSome(
        ms.map((m) => m.name),
        3,
      )}`,
  );
  return [
    fail(
      'signature.consistent',
      'error',
      `the image's modules are signed with ${groups.size} different keys (${list.join('; ')}): a kernel trusts one build key, so some of them cannot load. ${fixKey}`,
    ),
  ];
}

/** The signature outcomes of a platform and how they were proven. */
export interface SignatureOutcomes {
  readonly outcomes: Finding[];
  readonly proof: SignatureProof;
}

/**
 * Format and signature presence, then the proof: verification against the kernel's certificate
 * when one is known, else the key-id comparison with the kernel image's in-tree modules, else
 * only whether the image's modules agree among themselves.
 */
export function checkSignatures(
  ctx: CheckContext,
  modules: readonly CollectedModule[],
): SignatureOutcomes {
  const trust = ctx.trust;
  const certificate = trust ? [kernelCertificateCheck(trust)] : [];
  if (modules.length === 0) {
    return { outcomes: certificate, proof: trust?.certificates.length ? 'certificate' : 'none' };
  }
  const base = [...formatChecks(modules), ...signedChecks(modules), ...certificate];
  if (trust && trust.certificates.length > 0) {
    return { outcomes: [...base, ...certificateChecks(modules, trust)], proof: 'certificate' };
  }
  const { reference, outcomes } = kernelKeyChecks(ctx);
  if (reference) {
    return {
      outcomes: [...base, ...outcomes, ...sameKeyChecks(modules, reference)],
      proof: 'key-id',
    };
  }
  return {
    outcomes: [...base, ...outcomes, ...(ctx.kernel ? [] : consistencyChecks(modules))],
    proof: 'none',
  };
}
