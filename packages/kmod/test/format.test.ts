import { describe, expect, it } from '@jest/globals';
import { formatModinfo, inspectModule, moduleInfoToJson } from '@talos-kmod/kmod';
import { syntheticModule } from './helpers/synthetic-elf';
import { makeSigner, signSynthetic } from './helpers/synthetic-cms';

describe('formatModinfo', () => {
  it('prints entries like modinfo: padded keys, signature wrapped at 20 bytes, parameters merged last', () => {
    const { bytes } = syntheticModule({
      bits: 64,
      endian: 'little',
      machine: 62,
      modinfo: [
        'license=GPL',
        'parmtype=level:int',
        'parm=level:how much to log',
        'parmtype=quiet:bool',
        'name=acme',
        'vermagic=6.1.0 SMP ',
      ],
    });
    const signer = makeSigner({ serial: [0x0a, 0x0b] });
    const info = inspectModule(signSynthetic(bytes, signer));
    const lines = formatModinfo(info, '/lib/modules/acme.ko');
    expect(lines.slice(0, 4)).toEqual([
      'filename:       /lib/modules/acme.ko',
      'license:        GPL',
      'name:           acme',
      'vermagic:       6.1.0 SMP ',
    ]);
    expect(lines.slice(4, 9)).toEqual([
      'signed:         yes',
      'sig_id:         PKCS#7',
      'signer:         Build time throw-away kernel key',
      'sig_key:        0A:0B',
      'sig_hashalgo:   sha256',
    ]);
    const signature = lines[9]?.split('\n') ?? [];
    expect(signature).toHaveLength(13); // 256 bytes, 20 per line
    expect(signature[0]).toMatch(/^signature: {6}([0-9A-F]{2}:){20}$/);
    expect(signature[1]).toMatch(/^\t\t([0-9A-F]{2}:){20}$/);
    expect(signature[12]).toMatch(/^\t\t([0-9A-F]{2}:){15}[0-9A-F]{2}$/);
    expect(lines.slice(10)).toEqual([
      'parm:           quiet:bool',
      'parm:           level:how much to log (int)',
    ]);
  });

  it('says signed: no and leaves signature fields out for an unsigned module', () => {
    const info = inspectModule(syntheticModule({ bits: 32, endian: 'little', machine: 3 }).bytes);
    const lines = formatModinfo(info);
    expect(lines).toContain('signed:         no');
    expect(lines.some((l) => l.startsWith('sig_') || l.startsWith('signer'))).toBe(false);
    expect(lines.some((l) => l.startsWith('filename'))).toBe(false);
  });
});

describe('moduleInfoToJson', () => {
  it('turns the signature bytes into colon hex and survives JSON round trips', () => {
    const info = inspectModule(
      signSynthetic(
        syntheticModule({ bits: 64, endian: 'little', machine: 62 }).bytes,
        makeSigner(),
      ),
    );
    const json = JSON.parse(JSON.stringify(moduleInfoToJson(info))) as {
      signature: { signature: string };
    };
    expect(json.signature.signature).toMatch(/^([0-9A-F]{2}:){255}[0-9A-F]{2}$/);
    expect(json).toMatchObject({ name: 'acme', signed: true, compression: 'none' });
  });
});
