import { describe, expect, it } from '@jest/globals';
import {
  checkModulesDep,
  imagerEvidence,
  parseExtensionsConfig,
  parseModulesDep,
  parseTolerantVersion,
  sigEnforcement,
  type TalosVersion,
} from '@talos-kmod/talos';

const version = (text: string): TalosVersion => {
  const parsed = parseTolerantVersion(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.version;
};

describe('parseExtensionsConfig', () => {
  it('reads the layers go-yaml writes, modules.dep last', () => {
    const config = parseExtensionsConfig(
      [
        'layers:',
        '    - image: 0.sqsh',
        '      metadata:',
        '        name: hailort',
        '        version: 4.24.0',
        '        author: hailo.ai team',
        '        description: |',
        '            Driver for HailoRT',
        '        compatibility:',
        '            talos:',
        "                version: '>= v1.9.0'",
        '    - image: modules.dep.sqsh',
        '      metadata:',
        '        name: modules.dep',
        '        version: 6.12.31-talos',
        '        author: Talos Machinery',
        '        description: Combined modules.dep for all extensions',
        '        compatibility:',
        '            talos:',
        '                version: ""',
        '',
      ].join('\n'),
    );
    expect(config.problems).toEqual([]);
    expect(config.layers).toEqual([
      {
        image: '0.sqsh',
        name: 'hailort',
        version: '4.24.0',
        author: 'hailo.ai team',
        description: 'Driver for HailoRT\n',
        talosConstraint: '>= v1.9.0',
      },
      {
        image: 'modules.dep.sqsh',
        name: 'modules.dep',
        version: '6.12.31-talos',
        author: 'Talos Machinery',
        description: 'Combined modules.dep for all extensions',
      },
    ]);
  });

  it('lists what is missing instead of throwing', () => {
    expect(parseExtensionsConfig('layers: [{image: 0.sqsh}]').problems).toEqual([
      'extensions.yaml layer 1 lacks metadata.name, metadata.version',
    ]);
    expect(parseExtensionsConfig('{').problems[0]).toMatch(/^extensions.yaml is not YAML/);
    expect(parseExtensionsConfig('other: 1').problems).toEqual([
      'extensions.yaml has no layers list',
    ]);
  });
});

describe('modules.dep', () => {
  const dep = parseModulesDep(
    'extras/a.ko: kernel/b.ko\nkernel/b.ko:\nextras/c.ko: extras/missing.ko\n',
  );
  it('finds unlisted modules and dependencies that do not resolve', () => {
    expect(checkModulesDep(dep, ['extras/a.ko', 'extras/c.ko', 'extras/d.ko'])).toEqual({
      unlisted: ['extras/d.ko'],
      unresolved: [{ module: 'extras/c.ko', dependency: 'extras/missing.ko' }],
    });
  });
});

describe('sigEnforcement', () => {
  it('enforces on Talos 1.12+ only with module.sig_enforce=1, the last value winning', () => {
    expect(sigEnforcement('talos.platform=metal module.sig_enforce=1', version('v1.12.0'))).toEqual(
      expect.objectContaining({ value: '1', enforced: true, forcedByConfig: false }),
    );
    expect(sigEnforcement('module.sig_enforce=1 module.sig_enforce=0', version('v1.12.1'))).toEqual(
      expect.objectContaining({ value: '0', enforced: false }),
    );
    const missing = sigEnforcement('talos.platform=metal', undefined);
    expect(missing.enforced).toBe(false);
    expect(missing.explanation).toContain('Talos 1.12 and later');
  });

  it('counts Talos 1.9 to 1.11 kernels as enforcing by build config', () => {
    const r = sigEnforcement('module.sig_enforce=0', version('v1.11.3'));
    expect(r).toEqual(expect.objectContaining({ enforced: true, forcedByConfig: true }));
    expect(r.explanation).toContain('CONFIG_MODULE_SIG_FORCE=y');
  });
});

describe('imagerEvidence', () => {
  it('names the imager and installer binaries present', () => {
    expect(imagerEvidence(['usr/bin/imager', 'usr/install/amd64/vmlinuz'])).toEqual({
      imager: ['usr/bin/imager'],
      installer: [],
    });
    expect(imagerEvidence(['bin/installer'])).toEqual({ imager: [], installer: ['bin/installer'] });
  });
});
