/**
 * Verdicts on real modules (kbuild, the kernel's sign-file, openssl keys) against certificates,
 * each checked against `openssl cms -verify` on the same bytes: a module is `verified` exactly
 * when openssl verifies its detached PKCS#7 over the content before it. The PKCS#7 blob and the
 * content are cut out here from `struct module_signature` (sig_len), not by our reader.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  readCertificates,
  readModuleFile,
  type CertificateInfo,
  type SignatureVerdict,
} from '@talos-kmod/kmod';
import {
  buildTestModule,
  compressModule,
  makeSigningKey,
  scratchDir,
  signModule,
  type TestKey,
} from '../support/modules';
import { cutSignature, opensslVerifies } from '../support/module-signature';

jest.setTimeout(300_000);
const run = promisify(execFile);
/** Content and PKCS#7 of a signed module, cut by sig_len (independent of our reader). */
function cut(bytes: Buffer): { content: Buffer; pkcs7: Buffer; block: Buffer } {
  const parts = cutSignature(bytes);
  if (!parts) throw new Error('not signed');
  return parts;
}

let key: TestKey;
let ecKey: TestKey;
let otherBuild: TestKey;
let kernelCerts: CertificateInfo[];
let plain: string;
let other: string;

beforeAll(async () => {
  [plain, other, key, ecKey, otherBuild] = await Promise.all([
    buildTestModule({ name: 'talos_kmod_verdict' }),
    buildTestModule({ name: 'talos_kmod_donor' }),
    makeSigningKey({ name: 'verdict-kernel', type: 'rsa4096' }),
    makeSigningKey({ name: 'verdict-ec', type: 'ec' }),
    // the same subject as the kernel's key: another build of the same kernel
    makeSigningKey({ name: 'verdict-other-build' }),
  ]);
  // a kernel trusting two certificates (an RSA build key and an extra EC one), as PEM
  kernelCerts = readCertificates(
    (await readFile(key.certPemPath, 'utf8')) + (await readFile(ecKey.certPemPath, 'utf8')),
  );
});

interface Case {
  name: string;
  make: () => Promise<string>;
  verdict: SignatureVerdict;
  reason: RegExp;
}

const cases: Case[] = [
  {
    name: 'signed with the kernel key (sha512)',
    make: () => signModule(plain, key),
    verdict: 'verified',
    reason: /^signature verified with "Build time throw-away kernel key" serial/,
  },
  {
    name: 'signed with the kernel key named by subject key identifier (sign-file -k)',
    make: () => signModule(plain, key, { useKeyId: true, hash: 'sha256' }),
    verdict: 'verified',
    reason: /^signature verified/,
  },
  {
    name: 'signed with the EC key (sha384)',
    make: () => signModule(plain, ecKey, { hash: 'sha384' }),
    verdict: 'verified',
    reason: /^signature verified/,
  },
  {
    name: 'signed by another build key with the same signer name',
    make: () => signModule(plain, otherBuild),
    verdict: 'unknown-key',
    reason: /signer name is the same but the key is not/,
  },
  {
    name: 'one byte changed after signing',
    make: async () => {
      const file = await signModule(plain, key);
      const bytes = await readFile(file);
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0x20;
      await writeFile(file, bytes);
      return file;
    },
    verdict: 'bad-signature',
    reason: /changed after signing/,
  },
  {
    name: 'stripped after signing, the signature block appended again',
    make: async () => {
      const file = await signModule(plain, key);
      const { block } = cut(await readFile(file));
      const stripped = `${file}.stripped.ko`;
      await run('strip', ['--strip-debug', '-o', stripped, file]);
      await writeFile(stripped, Buffer.concat([await readFile(stripped), block]));
      return stripped;
    },
    verdict: 'bad-signature',
    reason: /changed after signing \(e\.g\. stripped/,
  },
  {
    name: 'signature block copied from another module',
    make: async () => {
      const donor = cut(await readFile(await signModule(other, key)));
      const file = join(await mkdtemp(join(scratchDir(), 'copied-')), 'copied.ko');
      await writeFile(file, Buffer.concat([await readFile(plain), donor.block]));
      return file;
    },
    verdict: 'bad-signature',
    reason: /signature block was copied from another module/,
  },
];

describe('module verdicts against the kernel certificates, with openssl cms as the oracle', () => {
  it.each(cases)('$name: $verdict', async (c) => {
    const file = await c.make();
    const info = await readModuleFile(file, { certificates: kernelCerts });
    expect(info.verification?.verdict).toBe(c.verdict);
    expect(info.verification?.reason).toMatch(c.reason);
    const cert = c.name.includes('EC') ? ecKey.certPemPath : key.certPemPath;
    expect(opensslVerifies(file, cert)).toBe(c.verdict === 'verified');
    if (c.verdict === 'verified' || c.verdict === 'bad-signature') {
      const fingerprints = kernelCerts.map((k) => k.sha256Fingerprint);
      expect(fingerprints).toContain(info.verification?.certificate);
    }
  });

  it('an unsigned module, and a module stripped after signing (strip drops the block), are unsigned', async () => {
    const stripped = join(await mkdtemp(join(scratchDir(), 'stripped-')), 'stripped.ko');
    await copyFile(await signModule(plain, key), stripped);
    await run('strip', ['--strip-debug', stripped]);
    for (const file of [plain, stripped]) {
      const info = await readModuleFile(file, { certificates: kernelCerts });
      expect(info.verification).toEqual({
        verdict: 'unsigned',
        reason: 'the module is not signed',
      });
    }
  });

  it.each(['xz', 'zstd', 'gzip'] as const)(
    'verifies a module compressed with %s after decompressing it',
    async (kind) => {
      const signed = await signModule(plain, key);
      const compressed = await compressModule(signed, kind);
      const info = await readModuleFile(compressed, { certificates: kernelCerts });
      expect(info.compression).toBe(kind);
      expect(info.verification?.verdict).toBe('verified');
      expect(opensslVerifies(signed, key.certPemPath)).toBe(true);
    },
  );
});
