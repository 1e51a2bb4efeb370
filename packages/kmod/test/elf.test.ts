import { describe, expect, it } from '@jest/globals';
import { inspectModule, kernelReleaseOf } from '@talos-kmod/kmod';
import {
  modinfoSection,
  syntheticModule,
  versionsSection,
  writeElf,
} from './helpers/synthetic-elf';

const ARCHES = [
  { bits: 64, endian: 'little', machine: 62, machineName: 'x86_64' },
  { bits: 64, endian: 'little', machine: 183, machineName: 'aarch64' },
  { bits: 64, endian: 'big', machine: 22, machineName: 's390' },
  { bits: 32, endian: 'little', machine: 3, machineName: 'i386' },
  { bits: 32, endian: 'big', machine: 8, machineName: 'mips' },
  { bits: 32, endian: 'little', machine: 40, machineName: 'arm' },
] as const;

describe('inspectModule on ELF modules', () => {
  it.each(ARCHES)(
    'reads .modinfo and __versions of a $bits-bit $endian-endian $machineName module',
    ({ bits, endian, machine, machineName }) => {
      const { bytes } = syntheticModule({ bits, endian, machine });
      const info = inspectModule(bytes, { fileName: 'acme.ko' });
      expect(info.problems).toEqual([]);
      expect(info.fileName).toBe('acme.ko');
      expect(info.elf).toEqual({
        bits,
        endianness: endian,
        machine,
        machineName,
        type: 1,
      });
      expect(info.modinfo.map((e) => e.key)).toEqual([
        'license',
        'firmware',
        'firmware',
        'srcversion',
        'depends',
        'name',
        'vermagic',
      ]);
      expect(info.name).toBe('acme');
      expect(info.license).toBe('GPL');
      expect(info.srcversion).toBe('0123456789ABCDEF012345');
      expect(info.depends).toEqual(['libfoo', 'libbar']);
      expect(info.firmware).toEqual(['acme/fw-1.bin', 'acme/fw-2.bin']);
      expect(info.vermagic).toBe('6.12.31-talos SMP preempt mod_unload aarch64');
      expect(info.kernelRelease).toBe('6.12.31-talos');
      expect(info.intree).toBe(false);
      expect(info.versions).toEqual([
        { symbol: 'module_layout', crc: 0xdeadbeef },
        { symbol: '_printk', crc: 0x92997ed8 },
      ]);
      expect(info.signed).toBe(false);
      expect(info.signature).toBeUndefined();
      expect(info.compression).toBe('none');
      expect(info.size).toBe(bytes.length);
    },
  );

  it('keeps values containing "=" whole and gives keys without "=" an empty value', () => {
    const { bytes } = syntheticModule({
      bits: 64,
      endian: 'little',
      machine: 62,
      modinfo: [
        'parm=debug:level=3 means verbose',
        'flagonly',
        'depends=',
        'intree=Y',
        'vermagic=x',
      ],
    });
    const info = inspectModule(bytes);
    expect(info.modinfo).toEqual([
      { key: 'parm', value: 'debug:level=3 means verbose' },
      { key: 'flagonly', value: '' },
      { key: 'depends', value: '' },
      { key: 'intree', value: 'Y' },
      { key: 'vermagic', value: 'x' },
    ]);
    expect(info.depends).toEqual([]);
    expect(info.intree).toBe(true);
  });

  it('decodes UTF-8 in .modinfo values', () => {
    const { bytes } = syntheticModule({
      bits: 64,
      endian: 'little',
      machine: 62,
      modinfo: ['author=Jürgen Müller <jm@example.org>', 'vermagic=6.1.0 SMP'],
    });
    expect(inspectModule(bytes).modinfo[0]?.value).toBe('Jürgen Müller <jm@example.org>');
  });

  it('decodes a non-ASCII symbol name in __versions as UTF-8', () => {
    const { bytes } = syntheticModule({
      bits: 64,
      endian: 'big',
      machine: 21,
      versions: [
        { symbol: 'ascii_only', crc: 1 },
        { symbol: 'größe', crc: 2 },
      ],
    });
    expect(inspectModule(bytes).versions).toEqual([
      { symbol: 'ascii_only', crc: 1 },
      { symbol: 'größe', crc: 2 },
    ]);
  });

  it('reads extended modversions tables after __versions', () => {
    const names = new TextEncoder().encode('a_very_long_rust_symbol_name\0second\0');
    const crcs = new Uint8Array(8);
    new DataView(crcs.buffer).setUint32(0, 0x11223344, true);
    new DataView(crcs.buffer).setUint32(4, 0x55667788, true);
    const { bytes } = writeElf({
      bits: 64,
      endian: 'little',
      machine: 183,
      sections: [
        { name: '.modinfo', data: modinfoSection(['vermagic=6.18.0-talos SMP']) },
        { name: '__versions', data: versionsSection(64, 'little', [{ symbol: 'x', crc: 7 }]) },
        { name: '__version_ext_names', data: names },
        { name: '__version_ext_crcs', data: crcs },
      ],
    });
    expect(inspectModule(bytes).versions).toEqual([
      { symbol: 'x', crc: 7 },
      { symbol: 'a_very_long_rust_symbol_name', crc: 0x11223344 },
      { symbol: 'second', crc: 0x55667788 },
    ]);
  });

  it('reports a module without vermagic', () => {
    const { bytes } = syntheticModule({
      bits: 64,
      endian: 'little',
      machine: 62,
      modinfo: ['license=GPL'],
    });
    const info = inspectModule(bytes);
    expect(info.vermagic).toBeUndefined();
    expect(info.kernelRelease).toBeUndefined();
    expect(info.problems).toEqual([expect.stringContaining('no vermagic')]);
  });

  it('reports an ELF object without .modinfo as not a kernel module', () => {
    const { bytes } = writeElf({
      bits: 64,
      endian: 'little',
      machine: 62,
      sections: [{ name: '.text', data: new Uint8Array(4) }],
    });
    expect(inspectModule(bytes).problems).toEqual([expect.stringContaining('no .modinfo section')]);
  });

  it('reports an executable (not ET_REL) but still reads its .modinfo', () => {
    const { bytes } = syntheticModule({ bits: 64, endian: 'little', machine: 62, type: 2 });
    const info = inspectModule(bytes);
    expect(info.problems).toEqual([expect.stringContaining('relocatable')]);
    expect(info.name).toBe('acme');
  });

  it('finds the section name table through extended numbering (SHN_XINDEX)', () => {
    const layout = syntheticModule({ bits: 64, endian: 'little', machine: 62 });
    const view = new DataView(layout.bytes.buffer);
    const shstrndx = view.getUint16(62, true);
    view.setUint16(62, 0xffff, true);
    view.setUint32(layout.shoff + 40, shstrndx, true); // sh_link of section 0
    view.setUint16(60, 0, true);
    view.setBigUint64(layout.shoff + 32, BigInt(shstrndx + 1), true); // sh_size of section 0
    const info = inspectModule(layout.bytes);
    expect(info.problems).toEqual([]);
    expect(info.name).toBe('acme');
  });
});

describe('inspectModule on malformed ELF', () => {
  const base = () => syntheticModule({ bits: 64, endian: 'little', machine: 62 });

  it.each([
    ['an empty file', new Uint8Array(0), 'too short'],
    ['a text file', new TextEncoder().encode('#!/bin/sh\necho not a module\n'), 'not an ELF file'],
    [
      'a bad ELF class',
      (() => {
        const b = base().bytes;
        b[4] = 3;
        return b;
      })(),
      'ELF class 3',
    ],
    [
      'a bad data encoding',
      (() => {
        const b = base().bytes;
        b[5] = 0;
        return b;
      })(),
      'data encoding 0',
    ],
    ['a truncated header', base().bytes.subarray(0, 40), 'ELF header is truncated'],
  ])('reports %s', (_name, bytes, message) => {
    const info = inspectModule(bytes);
    expect(info.problems).toEqual([expect.stringContaining(message)]);
    expect(info.modinfo).toEqual([]);
    expect(info.signed).toBe(false);
  });

  it('reports a section header table beyond the end of the file', () => {
    const l = base();
    new DataView(l.bytes.buffer).setBigUint64(40, 0xffff_ffffn, true);
    expect(inspectModule(l.bytes).problems).toEqual([
      expect.stringContaining('beyond the file end'),
    ]);
  });

  it('reports a section count that would run past the file', () => {
    const l = base();
    new DataView(l.bytes.buffer).setUint16(60, 0xfff0, true);
    expect(inspectModule(l.bytes).problems).toEqual([
      expect.stringContaining('runs past the file end'),
    ]);
  });

  it('reports a wrong section header size', () => {
    const l = base();
    new DataView(l.bytes.buffer).setUint16(58, 12, true);
    expect(inspectModule(l.bytes).problems).toEqual([
      expect.stringContaining('section header size is 12'),
    ]);
  });

  it('reports a .modinfo section that points outside the file', () => {
    const l = base();
    const modinfoHeader = l.headerOffsets[1] ?? 0;
    new DataView(l.bytes.buffer).setBigUint64(modinfoHeader + 32, 1n << 40n, true);
    const problems = inspectModule(l.bytes).problems;
    expect(problems).toContainEqual(expect.stringContaining('ELF section .modinfo'));
    expect(problems).toContainEqual(expect.stringContaining('no .modinfo section'));
  });

  it('reports a 64-bit offset too large to be a file position', () => {
    const l = base();
    const modinfoHeader = l.headerOffsets[1] ?? 0;
    new DataView(l.bytes.buffer).setBigUint64(modinfoHeader + 24, 0xffff_ffff_ffff_fff0n, true);
    expect(inspectModule(l.bytes).problems).toContainEqual(
      expect.stringContaining('ELF section .modinfo'),
    );
  });

  it('reports a section name table index out of range', () => {
    const l = base();
    new DataView(l.bytes.buffer).setUint16(62, 200, true);
    expect(inspectModule(l.bytes).problems).toEqual([
      expect.stringContaining('section name table index 200'),
    ]);
  });

  it('reports a __versions section that is not a whole number of entries', () => {
    const l = base();
    const versionsHeader = l.headerOffsets[2] ?? 0;
    new DataView(l.bytes.buffer).setBigUint64(versionsHeader + 32, 100n, true);
    const info = inspectModule(l.bytes);
    expect(info.problems).toEqual([expect.stringContaining('not a multiple of 64')]);
    expect(info.versions).toHaveLength(1);
  });
});

describe('kernelReleaseOf', () => {
  it.each([
    ['6.12.31-talos SMP preempt mod_unload ', '6.12.31-talos'],
    ['6.1.0-56-amd64 SMP preempt mod_unload modversions ', '6.1.0-56-amd64'],
    ['  5.15.0 ', '5.15.0'],
    ['', ''],
  ])('takes the first token of %j', (vermagic, release) => {
    expect(kernelReleaseOf(vermagic)).toBe(release);
  });
});
