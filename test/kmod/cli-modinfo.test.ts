/**
 * `talos-kmod modinfo` through runCli (fake io collecting stdout/stderr) and once through the
 * esbuild CLI bundle run with node, on real signed modules; modinfo is the oracle for the text.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '@talos-kmod/cli';
import { bundleOne } from '../../scripts/bundle';
import {
  buildTestModule,
  compressModule,
  makeSigningKey,
  modinfoField,
  signModule,
  type TestKey,
} from '../support/modules';
import { captureIo } from '../support/cli';
import { makeArm64Image, makeBzImage } from '../support/kernel-images';

jest.setTimeout(300_000);
const run = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(['modinfo', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

let unsigned: string;
let signed: string;
let key: TestKey;
let otherKey: TestKey;

beforeAll(async () => {
  [unsigned, key, otherKey] = await Promise.all([
    buildTestModule({
      name: 'talos_kmod_cli',
      firmware: ['cli/fw.bin'],
      depends: ['talos_kmod_cli_dep'],
    }),
    makeSigningKey({ type: 'rsa2048' }),
    makeSigningKey({ type: 'ec' }),
  ]);
  signed = await signModule(unsigned, key, { hash: 'sha512' });
});

describe('talos-kmod modinfo', () => {
  it('prints exactly what modinfo prints, plus signed: yes, for plain, xz and zstd modules', async () => {
    for (const file of [
      signed,
      await compressModule(signed, 'xz'),
      await compressModule(signed, 'zstd'),
    ]) {
      const { code, out, err } = await cli([file]);
      expect({ code, err }).toEqual({ code: 0, err: '' });
      const { stdout: expected } = await run('modinfo', [file]);
      const lines = out.split('\n');
      expect(lines).toContain('signed:         yes');
      expect(lines.filter((l) => !l.startsWith('signed:')).join('\n')).toBe(expected);
    }
  });

  it('-F prints only that field, exactly as modinfo -F does', async () => {
    const xz = await compressModule(signed, 'xz');
    for (const field of [
      'vermagic',
      'signer',
      'sig_key',
      'sig_hashalgo',
      'firmware',
      'depends',
      'name',
      'filename',
      'nosuchfield',
    ]) {
      for (const file of [resolve(signed), xz]) {
        const { code, out, err } = await cli(['-F', field, file]);
        const { stdout: expected } = await run('modinfo', ['-F', field, file]);
        expect({ field, code, err, out }).toEqual({ field, code: 0, err: '', out: expected });
      }
    }
    const both = await cli(['--field', 'vermagic', '--json', signed]);
    expect(both.code).toBe(2);
    expect(both.err).toContain('--json and -F/--field do not go together');
  });

  it('says signed: no for an unsigned module', async () => {
    const { code, out } = await cli([unsigned]);
    expect(code).toBe(0);
    expect(out).toContain('signed:         no\n');
    expect(out).not.toContain('sig_key');
    expect(out).toContain(`depends:        talos_kmod_cli_dep\n`);
  });

  it('prints JSON whose fields equal modinfo -F', async () => {
    const { code, out } = await cli(['--json', signed, unsigned]);
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as {
      file: string;
      name: string;
      vermagic: string;
      signed: boolean;
      signature?: { signer: string; keyId: string; hashAlgo: string; sigId: string };
    }[];
    expect(parsed).toHaveLength(2);
    const [s, u] = parsed;
    expect(s).toMatchObject({
      file: signed,
      name: (await modinfoField(signed, 'name'))[0],
      vermagic: (await modinfoField(signed, 'vermagic'))[0],
      signed: true,
      signature: {
        signer: (await modinfoField(signed, 'signer'))[0],
        keyId: (await modinfoField(signed, 'sig_key'))[0],
        hashAlgo: (await modinfoField(signed, 'sig_hashalgo'))[0],
        sigId: (await modinfoField(signed, 'sig_id'))[0],
      },
    });
    expect(u).toMatchObject({ file: unsigned, signed: false });
    expect(u?.signature).toBeUndefined();
  });

  it('judges with --verify-with: verified with the signing certificate, unknown-key (exit 1) with another', async () => {
    const good = await cli(['--verify-with', key.certPemPath, signed]);
    expect(good.code).toBe(0);
    expect(good.out).toContain('verdict:        verified (signature verified with');
    expect(good.err).toContain(
      `trusting O = Sidero Labs\\, Inc., CN = ${key.signer} (serial ${key.serial}`,
    );
    const bad = await cli(['--verify-with', otherKey.certDerPath, signed]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/verdict: {8}unknown-key \(signed by "[^"]+" serial /);
    expect(bad.err).toContain('1 of 1 module(s) could not be read or are not verified');
    const json = await cli(['--json', '--cert', key.certDerPath, signed, unsigned]);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.out) as { verification: { verdict: string; reason: string } }[];
    expect(parsed.map((p) => p.verification)).toEqual([
      {
        verdict: 'verified',
        reason: expect.stringContaining('signature verified'),
        certificate: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
      },
      { verdict: 'unsigned', reason: 'the module is not signed' },
    ]);
  });

  it('--verify-with a kernel trusts only its system_certificate_list: a revoked key and a decoy are unknown-key', async () => {
    const decoyKey = await makeSigningKey({ type: 'rsa2048', commonName: 'Regulatory db key' });
    const [byOther, byDecoy] = await Promise.all([
      signModule(unsigned, otherKey, { hash: 'sha256' }),
      signModule(unsigned, decoyKey, { hash: 'sha256' }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'cli-modinfo-kernel-'));
    const content = {
      release: '6.18.45-talos',
      certificates: [readFileSync(key.certDerPath)],
      revoked: [readFileSync(otherKey.certDerPath)],
      decoys: [readFileSync(decoyKey.certDerPath)],
      padding: 64 * 1024,
    };
    // an arm64 Image has no sections: the whole kernel is scanned and the decoy is seen
    for (const [name, bytes] of [
      ['vmlinuz', makeBzImage(content, 'gzip')],
      ['Image', makeArm64Image(content)],
    ] as const) {
      const kernel = join(dir, name);
      writeFileSync(kernel, bytes);
      const r = await cli(['--json', '--verify-with', kernel, signed, byOther, byDecoy]);
      expect(r.code).toBe(1);
      const verdicts = (
        JSON.parse(r.out) as { verification: { verdict: string; reason: string } }[]
      ).map((p) => p.verification);
      expect(verdicts.map((v) => v.verdict)).toEqual(['verified', 'unknown-key', 'unknown-key']);
      expect(verdicts[1]?.reason).toContain(`serial ${otherKey.serial}`);
      expect(verdicts[1]?.reason).toContain('a certificate the kernel revokes');
      expect(verdicts[2]?.reason).toContain('the kernel trusts only');
      expect(r.err).toContain(`revoked by the kernel: `);
      expect(r.err).not.toContain(`trusting O = Sidero Labs\\, Inc., CN = Regulatory db key`);
    }
  });

  it('exits 2 when a file cannot be read, and still reports the others', async () => {
    const missing = join(tmpdir(), 'no-such-module.ko');
    const { code, out, err } = await cli([missing, signed]);
    expect(code).toBe(2);
    expect(err).toContain(`error: cannot read module file ${missing}: ENOENT`);
    expect(out).toContain(`filename:       ${resolve(signed)}\n`);
    const withCert = await cli(['--cert', key.certPemPath, missing]);
    expect(withCert.code).toBe(2);
    expect(withCert.err).toContain(`error: cannot read module file ${missing}: ENOENT`);
  });

  it('exits 1 for a file that is not a module and names the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-modinfo-'));
    const text = join(dir, 'notes.ko');
    writeFileSync(text, 'this is not an ELF file\n'.repeat(2000));
    const { code, out } = await cli([text]);
    expect(code).toBe(1);
    expect(out).toContain('problem:        not an ELF file');
  });

  it('-F names on stderr each file that is no module or is not verified, stdout keeps only values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-modinfo-'));
    const text = join(dir, 'notes.ko');
    writeFileSync(text, 'this is not an ELF file\n'.repeat(2000));
    const notModule = await cli(['-F', 'vermagic', signed, text]);
    expect(notModule.code).toBe(1);
    expect(notModule.out).toBe(
      (await modinfoField(signed, 'vermagic')).map((v) => `${v}\n`).join(''),
    );
    expect(notModule.err).toContain(`error: ${text}: not an ELF file`);
    const otherCert = await cli(['-F', 'signer', '--cert', otherKey.certPemPath, signed]);
    expect(otherCert.code).toBe(1);
    expect(otherCert.out).toBe(
      (await modinfoField(signed, 'signer')).map((v) => `${v}\n`).join(''),
    );
    expect(otherCert.err).toMatch(new RegExp(`error: ${signed}: unknown-key \\(signed by "`));
  });

  it('exits 2 when the certificate cannot be read', async () => {
    const { code, err } = await cli(['--cert', '/nonexistent/cert.pem', signed]);
    expect(code).toBe(2);
    expect(err).toContain('cannot read /nonexistent/cert.pem: ENOENT');
  });

  it('exits 2 without a file argument', async () => {
    expect((await cli([])).code).toBe(2);
  });

  it('works from the esbuild bundle run by node (xz WASM included)', async () => {
    const bundle = join(mkdtempSync(join(tmpdir(), 'cli-bundle-')), 'talos-kmod.cjs');
    await bundleOne(resolve(import.meta.dirname, '../../packages/cli/src/main.ts'), bundle);
    const xz = await compressModule(signed, 'xz');
    const { stdout } = await run(process.execPath, [
      bundle,
      'modinfo',
      '--json',
      '--cert',
      key.certPemPath,
      xz,
    ]);
    const [info] = JSON.parse(stdout) as {
      compression: string;
      signature: { keyId: string };
      verification: { verdict: string };
    }[];
    expect(info?.compression).toBe('xz');
    expect(info?.signature.keyId).toBe(key.serial);
    expect(info?.verification?.verdict).toBe('verified');
    const failed = await run(process.execPath, [bundle, 'modinfo', '/nonexistent.ko']).catch(
      (e: { code?: number }) => e,
    );
    expect((failed as { code?: number }).code).toBe(2);
  });
});
