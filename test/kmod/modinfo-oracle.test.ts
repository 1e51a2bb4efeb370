/**
 * Oracle tests: real modules built with kbuild, keys from openssl, signatures from the kernel's
 * sign-file, compressed with xz/zstd/gzip. Every field we read must equal what `modinfo -F` prints
 * for the same file. Debian's kmod is built without zlib, so gzip modules are compared with
 * modinfo's view of the same module before compression.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import {
  decompressModule,
  readModule,
  readModuleFile,
  verifyModuleSignature,
  type ModuleInfo,
} from '@talos-kmod/kmod';
import {
  buildTestModule,
  compressModule,
  kernelRelease,
  makeSigningKey,
  modinfoField,
  signModule,
  signModuleWithSignedAttributes,
  type TestKey,
} from '../support/modules';

jest.setTimeout(300_000);

const FIELDS = [
  'name',
  'vermagic',
  'depends',
  'license',
  'srcversion',
  'firmware',
  'description',
  'author',
  'version',
  'retpoline',
  'intree',
] as const;
const SIG_FIELDS = ['signer', 'sig_key', 'sig_hashalgo', 'sig_id'] as const;

interface Case {
  label: string;
  key: TestKey;
  hash: 'sha256' | 'sha512';
  useKeyId: boolean;
  signed: string;
}

let module: string;
let keys: Record<'rsa2048' | 'rsa4096' | 'ec', TestKey>;
let cases: Case[];

beforeAll(async () => {
  const [built, rsa2048, rsa4096, ec] = await Promise.all([
    buildTestModule({
      name: 'talos_kmod_oracle',
      firmware: ['acme/fw-a.bin', 'acme/fw-b.bin'],
      depends: ['talos_kmod_provider'],
      license: 'GPL',
    }),
    makeSigningKey({ type: 'rsa2048' }),
    makeSigningKey({ type: 'rsa4096' }),
    makeSigningKey({ type: 'ec' }),
  ]);
  module = built;
  keys = { rsa2048, rsa4096, ec };
  cases = [];
  for (const [type, key] of Object.entries(keys)) {
    for (const hash of ['sha256', 'sha512'] as const) {
      for (const useKeyId of [false, true]) {
        const signed = await signModule(module, key, { hash, useKeyId });
        cases.push({
          label: `${type} ${hash}${useKeyId ? ' -k' : ''}`,
          key,
          hash,
          useKeyId,
          signed,
        });
      }
    }
  }
});

const compressed = new Map<string, Promise<string>>();
/** Each signed variant is compressed once per kind and shared by the tests below. */
function compressOnce(file: string, kind: 'xz' | 'zstd' | 'gzip'): Promise<string> {
  const key = `${file}.${kind}`;
  let p = compressed.get(key);
  if (!p) compressed.set(key, (p = compressModule(file, kind)));
  return p;
}

/** Our value(s) for a modinfo field, as `modinfo -F` would print them (one line each). */
function ours(info: ModuleInfo, field: string): string[] {
  const sig = info.signature;
  switch (field) {
    case 'signer':
      return sig && sig.keyIdSource === 'serial' ? [sig.signer] : [];
    case 'sig_key':
      return sig && sig.keyIdSource === 'serial' ? [sig.keyId] : [];
    case 'sig_hashalgo':
      return sig && sig.keyIdSource === 'serial' ? [sig.hashAlgo] : [];
    case 'sig_id':
      return sig && sig.keyIdSource === 'serial' ? [sig.sigId] : [];
    default:
      return info.modinfo.filter((e) => e.key === field).map((e) => e.value);
  }
}

async function expectFieldsMatchModinfo(info: ModuleInfo, oracleFile: string): Promise<void> {
  const fields = [...FIELDS, ...SIG_FIELDS];
  const oracle = await Promise.all(fields.map((f) => modinfoField(oracleFile, f)));
  expect(fields.map((field) => ({ field, value: ours(info, field) }))).toEqual(
    fields.map((field, i) => ({ field, value: oracle[i] })),
  );
}

describe('real modules against modinfo', () => {
  it('reads an unsigned module exactly as modinfo does', async () => {
    const info = await readModuleFile(module);
    expect(info.problems).toEqual([]);
    expect(info.signed).toBe(false);
    expect(info.kernelRelease).toBe(kernelRelease);
    expect(info.depends).toEqual(['talos_kmod_provider']);
    expect([...info.firmware].sort()).toEqual(['acme/fw-a.bin', 'acme/fw-b.bin']);
    expect(info.versions.map((v) => v.symbol)).toContain('talos_kmod_provider_value');
    await expectFieldsMatchModinfo(info, module);
  });

  it('reads every signed variant (RSA 2048/4096, EC; sha256/sha512; cert and -k) like modinfo -F', async () => {
    for (const c of cases) {
      const info = await readModuleFile(c.signed);
      expect({ case: c.label, problems: info.problems }).toEqual({ case: c.label, problems: [] });
      await expectFieldsMatchModinfo(info, c.signed);
      const sig = info.signature;
      if (!sig) throw new Error(`${c.label}: no signature read`);
      // Key identity from openssl, independently of modinfo (which prints nothing for -k).
      expect(sig.keyId).toBe(c.useKeyId ? c.key.subjectKeyId : c.key.serial);
      expect(sig.keyIdSource).toBe(c.useKeyId ? 'subjectKeyIdentifier' : 'serial');
      expect(sig.signer).toBe(c.useKeyId ? '' : c.key.signer);
      expect(sig.hashAlgo).toBe(c.hash);
      expect(sig.signatureAlgo).toBe(
        c.key === keys.ec ? `ecdsa-with-${c.hash.toUpperCase()}` : 'rsaEncryption',
      );
      if (!c.useKeyId) {
        const printed = (await modinfoField(c.signed, 'signature')).join('').replace(/\s+/g, '');
        expect(
          Buffer.from(sig.signature).toString('hex').toUpperCase().match(/../g)?.join(':'),
        ).toBe(printed);
      }
    }
  });

  it.each(['xz', 'zstd', 'gzip'] as const)(
    'reads every signed variant compressed with %s exactly like the uncompressed module',
    async (compression) => {
      for (const c of cases) {
        const file = await compressOnce(c.signed, compression);
        const info = await readModuleFile(file);
        const plain = await readModuleFile(c.signed);
        expect({ case: c.label, info }).toEqual({
          case: c.label,
          info: { ...plain, fileName: file, compression },
        });
        // modinfo reads xz and zstd itself (Debian's kmod has no zlib): check it agrees directly.
        if (compression !== 'gzip') {
          for (const field of ['name', 'vermagic', 'signer', 'sig_key'] as const) {
            expect({ field, value: ours(info, field) }).toEqual({
              field,
              value: await modinfoField(file, field),
            });
          }
        }
      }
    },
  );

  it('reads a module with CMS signed attributes (openssl cms) like modinfo and judges them unsupported, as the kernel rejects them', async () => {
    const signed = await signModuleWithSignedAttributes(module, keys.rsa2048, { hash: 'sha256' });
    const info = await readModuleFile(signed);
    await expectFieldsMatchModinfo(info, signed);
    expect(info.signature?.hasSignedAttributes).toBe(true);
    expect(info.problems).toEqual([expect.stringContaining('has authattrs')]);
    const cert = await readFile(keys.rsa2048.certPemPath, 'utf8');
    expect(verifyModuleSignature(await readFile(signed), cert)).toMatchObject({
      verified: false,
      verdict: 'unsupported',
      reason: expect.stringContaining('has authattrs'),
    });
  });

  it('gives the same result from a file, from bytes and from compressed bytes', async () => {
    const c = cases[0];
    if (!c) throw new Error('no cases');
    const fromFile = await readModuleFile(c.signed);
    const fromBytes = await readModule(await readFile(c.signed), { fileName: c.signed });
    expect(fromBytes).toEqual(fromFile);
    const xz = await compressOnce(c.signed, 'xz');
    const fromXz = await readModule(await readFile(xz), { fileName: c.signed });
    expect(fromXz).toEqual({ ...fromFile, compression: 'xz' });
  });
});

describe('signature verification of real modules', () => {
  it.each(['none', 'xz', 'zstd', 'gzip'] as const)(
    'verifies every variant compressed with %s with its certificate, and fails with another key or a changed byte',
    async (compression) => {
      for (const c of cases) {
        const file = compression === 'none' ? c.signed : await compressOnce(c.signed, compression);
        const decompressed = await decompressModule(await readFile(file));
        if (!('data' in decompressed)) throw new Error(decompressed.problem);
        const data = decompressed.data;
        const pem = await readFile(c.key.certPemPath, 'utf8');
        const der = await readFile(c.key.certDerPath);
        expect({ case: c.label, result: verifyModuleSignature(data, pem) }).toEqual({
          case: c.label,
          result: { verified: true, verdict: 'verified', certificate: expect.any(String) },
        });
        expect(verifyModuleSignature(data, der).verified).toBe(true);
        const other = c.key === keys.ec ? keys.rsa2048 : keys.ec;
        const wrong = verifyModuleSignature(data, await readFile(other.certDerPath));
        expect(wrong.verified).toBe(false);
        expect(wrong.verdict).toBe('unknown-key');
        const tampered = Uint8Array.from(data);
        tampered[64] = (tampered[64] ?? 0) ^ 0x80;
        const changed = verifyModuleSignature(tampered, der);
        expect(changed.verified).toBe(false);
        expect(changed.verdict).toBe('bad-signature');
        expect(changed.reason).toMatch(/changed after signing/);
      }
    },
  );
});
