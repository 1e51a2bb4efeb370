import { describe, expect, it } from '@jest/globals';
import { formatModinfo, inspectModule, modinfoField, moduleInfoToJson } from '@talos-kmod/kmod';
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

describe('formatModinfo and modinfoField with a display escape', () => {
  it("render the module's keys and values through it and keep the signature's own lines", () => {
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    const show = (t: string) => t.replace(/[\u0000-\u001f]/g, (c) => `<${c.charCodeAt(0)}>`);
    const { bytes } = syntheticModule({
      bits: 64,
      endian: 'little',
      machine: 62,
      modinfo: ['description=clear\u001b[2J\nsigned:         yes', 'na\tme=acme'],
    });
    const info = inspectModule(signSynthetic(bytes, makeSigner({ serial: [0x01] })));
    const lines = formatModinfo(info, undefined, show);
    expect(lines[0]).toBe('description:    clear<27>[2J<10>signed:         yes');
    expect(lines[1]).toBe('na<9>me:        acme');
    expect(lines.find((l) => l.startsWith('signature:'))?.split('\n\t\t')).toHaveLength(13);
    expect(modinfoField(info, 'description', undefined, show)).toEqual([
      'clear<27>[2J<10>signed:         yes',
    ]);
    // without a display escape the values are modinfo's, byte for byte
    expect(modinfoField(info, 'description')).toEqual(['clear\u001b[2J\nsigned:         yes']);
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
