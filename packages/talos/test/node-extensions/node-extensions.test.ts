import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '@talos-kmod/common';
import {
  officialName,
  parseExtensionStatuses,
  parseImageDigests,
  parseSchematicExtensions,
  readOfficialCatalog,
  resolveOfficialExtensions,
} from '@talos-kmod/talos';

const testdata = resolve(import.meta.dirname, '../testdata/release');
const read = (name: string) => readFileSync(join(testdata, name), 'utf8');

describe('parseImageDigests on the v1.11.2 catalog talos records', () => {
  const catalog = parseImageDigests(read('image-digests-v1.11.2'), 'extensions:v1.11.2');
  it('reads every pinned line with its catalog name and version', () => {
    expect(catalog).toHaveLength(71);
    expect(catalog.find((e) => e.name === 'siderolabs/iscsi-tools')).toEqual({
      name: 'siderolabs/iscsi-tools',
      version: 'v0.2.0',
      image:
        'ghcr.io/siderolabs/iscsi-tools:v0.2.0@sha256:ef6e8038ddaca1faad2d0e5b87ef4696fa6359f287682c9492462abfa1e26906',
    });
    expect(catalog.find((e) => e.name === 'siderolabs/zfs')?.version).toBe('2.3.3-v1.11.2');
  });
  it('skips lines without a digest, as talos does, and fails on garbage with the line number', () => {
    expect(
      parseImageDigests(
        `ghcr.io/siderolabs/extensions:v1.11.2\n${read('image-digests-v1.11.2')}`,
        'x',
      ),
    ).toHaveLength(71);
    expect(() => parseImageDigests('ghcr.io/a/b:1@sha256:nothex\n', 'f')).toThrow(
      "f line 1 is 'ghcr.io/a/b:1@sha256:nothex'",
    );
    expect(() => parseImageDigests('\n', 'f')).toThrow('lists no pinned image');
  });
  it('resolves schematic names, manifest names and renamed ones to pinned images', () => {
    const got = resolveOfficialExtensions(
      ['siderolabs/iscsi-tools', 'qemu-guest-agent', 'siderolabs/i915-ucode', 'iscsi-tools'],
      catalog,
      'extensions:v1.11.2',
    );
    expect(got.map((e) => e.image.split('@')[0])).toEqual([
      'ghcr.io/siderolabs/iscsi-tools:v0.2.0',
      'ghcr.io/siderolabs/qemu-guest-agent:10.0.2',
      'ghcr.io/siderolabs/i915:20250917-v1.11.2',
    ]);
    expect(officialName('gasket')).toBe('siderolabs/gasket-driver');
  });
  it('fails naming every unknown extension, with near names', () => {
    expect(() =>
      resolveOfficialExtensions(
        ['siderolabs/iscsi', 'acme/hailort'],
        catalog,
        'extensions:v1.11.2',
      ),
    ).toThrow(
      'siderolabs/iscsi (did you mean siderolabs/iscsi-tools?), acme/hailort (did you mean siderolabs/hailort?): not in the official extensions of extensions:v1.11.2',
    );
  });
});

describe('readOfficialCatalog', () => {
  it('reads an image-digests file given as the catalog (air-gapped runs)', async () => {
    const path = join(testdata, 'image-digests-v1.11.2');
    const catalog = await readOfficialCatalog('v1.11.2', path, {});
    expect(catalog.source).toBe(path);
    expect(catalog.entries).toHaveLength(71);
  });
});

describe('parseSchematicExtensions', () => {
  it('reads officialExtensions from the Image Factory documentation example', () => {
    expect(parseSchematicExtensions(read('schematic-image-factory-doc.yaml'), 'doc')).toEqual([
      'siderolabs/gvisor',
      'siderolabs/amd-ucode',
    ]);
  });
  it('gives none for the vanilla schematic', () => {
    expect(parseSchematicExtensions('customization:\n', 'vanilla')).toEqual([]);
  });
  it.each([
    ['not: a schematic\n', "has no 'customization' key"],
    [
      'customization:\n  systemExtensions:\n    officialExtensions: siderolabs/zfs\n',
      'must be a list',
    ],
    ['customization: [\n', 'is not valid YAML'],
    ['- a\n', 'is not a mapping'],
  ])('fails on %p naming the problem', (text, message) => {
    expect(() => parseSchematicExtensions(text, 's.yaml')).toThrow(InputError);
    expect(() => parseSchematicExtensions(text, 's.yaml')).toThrow(message);
  });
});

describe('parseExtensionStatuses', () => {
  const doc = read('get-extensions-doc.yaml');
  it('reads the extension of the talos documentation example', () => {
    expect(parseExtensionStatuses(doc, 'doc')).toEqual([
      { name: 'intel-ucode', version: 'microcode-20210608-v1.0.0', nodes: ['172.20.0.2'] },
    ]);
  });
  it('reads several resources and nodes as talosctl writes them, and leaves out the synthetic layers', () => {
    // talosctl's YAML writer puts `---` between resources (cmd/talosctl/cmd/talos/output/yaml.go)
    const other = doc.replaceAll('172.20.0.2', '172.20.0.3');
    const synthetic = doc
      .replace('name: intel-ucode', 'name: modules.dep')
      .replace('001.ghcr.io', '002.ghcr.io');
    const text = [doc, other, synthetic].join('---\n');
    expect(parseExtensionStatuses(text, 'out')).toEqual([
      {
        name: 'intel-ucode',
        version: 'microcode-20210608-v1.0.0',
        nodes: ['172.20.0.2', '172.20.0.3'],
      },
    ]);
  });
  it('fails on other resources and on empty output, saying what to save', () => {
    expect(() =>
      parseExtensionStatuses(doc.replace('ExtensionStatuses.runtime', 'Other.runtime'), 'f'),
    ).toThrow(
      "f document 1 is not an ExtensionStatuses.runtime.talos.dev resource: save the output of 'talosctl get extensions -o yaml'",
    );
    expect(() => parseExtensionStatuses('', 'f')).toThrow('holds no extension resources');
  });
});
