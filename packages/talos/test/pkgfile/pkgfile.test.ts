import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parsePkgfile,
  parseRenovateComment,
  parseVarsYaml,
  pkgfileVars,
  readPkgfile,
} from '@talos-kmod/talos';
import { updateGolden } from '../../../../test/support/golden';

const testdata = join(import.meta.dirname, 'testdata');

describe('parsePkgfile', () => {
  it('reads the frontend, format and every var with its Renovate block (golden files)', () => {
    const cases = readdirSync(testdata).filter((f) => f.endsWith('.in'));
    expect(cases.length).toBeGreaterThanOrEqual(3);
    for (const c of cases) {
      const text = readFileSync(join(testdata, c), 'utf8');
      const parsed = c.startsWith('vars-yaml') ? parseVarsYaml(text) : parsePkgfile(text);
      const actual = `${JSON.stringify(parsed, null, 2)}\n`;
      const golden = join(testdata, c.replace(/\.in$/, '.out'));
      if (updateGolden()) writeFileSync(golden, actual);
      expect(actual).toBe(readFileSync(golden, 'utf8'));
    }
  });

  it('groups a Renovate comment with the variables after it until a blank line', () => {
    const p = parsePkgfile(readFileSync(join(testdata, 'pkgs-pkgfile.in'), 'utf8'));
    const block = p.blocks.find((b) => b.renovate?.depName === 'example-ai/example-drivers');
    expect(block?.vars.map((v) => v.name)).toEqual([
      'exampledrv_version',
      'exampledrv_sha256',
      'exampledrv_sha512',
      'exampledrv_fw_sha256',
    ]);
    expect(block?.renovate?.extractVersion).toBe('^v(?<version>.*)$');
    expect(block?.renovate?.datasource).toBe('github-releases');
    expect(p.varsSection).toEqual({ headerLine: 5, lastLine: 23, indent: '  ' });
    expect(pkgfileVars(p).LLVM_IMAGE).toBe('ghcr.io/siderolabs/llvm');
    expect(pkgfileVars(p)['org.opencontainers.image.source']).toBeUndefined();
  });

  it('ends a block at the next Renovate comment even without a blank line', () => {
    const p = parsePkgfile(readFileSync(join(testdata, 'extensions-pkgfile.in'), 'utf8'));
    const names = p.blocks.map((b) => b.vars.map((v) => v.name));
    expect(names).toContainEqual(['LIBFOO_VERSION', 'LIBFOO_SHA256']);
    expect(names).toContainEqual(['ZLIB_VERSION', 'ZLIB_SHA256']);
  });

  it('unquotes values and keeps trailing comments apart', () => {
    const p = parsePkgfile(readFileSync(join(testdata, 'extensions-pkgfile.in'), 'utf8'));
    const byName = new Map(p.vars.map((v) => [v.name, v]));
    expect(byName.get('LINUX_FIRMWARE_VERSION')).toMatchObject({
      value: '20260810',
      rawValue: '"20260810"',
      quote: '"',
      comment: 'update this when updating PKGS version tag in Makefile',
    });
    expect(byName.get('EXAMPLEDRV_VERSION')?.value).toBe('4.24.0');
    expect(byName.get('QUOTED_SINGLE')?.value).toBe("it's # not a comment");
  });

  it('keeps CRLF files readable and reports the line ending', () => {
    const p = parsePkgfile('format: v1alpha2\r\n\r\nvars:\r\n  a_version: 1.0 # x\r\n');
    expect(p.eol).toBe('\r\n');
    expect(p.vars[0]).toMatchObject({ name: 'a_version', value: '1.0', line: 4 });
  });

  it('returns no vars for a Pkgfile without a vars section', () => {
    const p = parsePkgfile('# syntax = ghcr.io/siderolabs/bldr:v0.5.6\nformat: v1alpha2\n');
    expect(p).toMatchObject({
      syntax: 'ghcr.io/siderolabs/bldr:v0.5.6',
      format: 'v1alpha2',
      vars: [],
    });
    expect(p.varsSection).toBeUndefined();
  });

  it('fails with a UserError naming the path when there is no Pkgfile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-pkgfile-'));
    await expect(readPkgfile(dir)).rejects.toThrow(`no Pkgfile at ${join(dir, 'Pkgfile')}`);
  });
});

describe('parseRenovateComment', () => {
  it('splits fields and ignores lines that are not Renovate comments', () => {
    expect(
      parseRenovateComment(
        '  # renovate: datasource=git-refs versioning=git depName=https://x/y.git',
        7,
      ),
    ).toMatchObject({
      line: 7,
      datasource: 'git-refs',
      versioning: 'git',
      depName: 'https://x/y.git',
    });
    expect(parseRenovateComment('  # update this when updating PKGS')).toBeUndefined();
  });
});

describe('parseVarsYaml', () => {
  it('reads top-level variables, keeping template actions as written', () => {
    const s = parseVarsYaml(readFileSync(join(testdata, 'vars-yaml.in'), 'utf8'));
    const version = s.vars.find((v) => v.name === 'VERSION');
    expect(version).toMatchObject({
      value: '{{ .RUNTIME_VERSION }}-{{ .BUILD_ARG_TAG }}',
      templated: true,
    });
    expect(s.blocks[0]?.vars.map((v) => v.name)).toEqual([
      'RUNTIME_VERSION',
      'RUNTIME_REV',
      'RUNTIME_SHA256',
      'VERSION',
      'TIER',
    ]);
  });
});
