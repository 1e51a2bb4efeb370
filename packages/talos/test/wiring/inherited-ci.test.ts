import { describe, expect, it } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findInheritedCi } from '@talos-kmod/talos';

const testdata = join(import.meta.dirname, '..', 'testdata', 'inherited-ci');

function checkout(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'inherited-ci-'));
  mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
  for (const f of files) cpSync(join(testdata, f), join(dir, '.github', 'workflows', f));
  return dir;
}

describe('findInheritedCi', () => {
  it("finds Sidero's kres CI job on runner group pkgs with in-cluster BuildKit, and only it", async () => {
    const found = await findInheritedCi(checkout(['ci.yaml', 'lock.yml']));
    expect(found).toEqual([
      expect.objectContaining({
        file: '.github/workflows/ci.yaml',
        line: 15,
        job: 'default',
        group: 'pkgs',
        clusterEndpoints: [
          'tcp://buildkit-arm64.ci.svc.cluster.local:1234',
          'tcp://buildkit-amd64.ci.svc.cluster.local:1234',
        ],
      }),
    ]);
    expect(found[0]?.message).toContain("job 'default' needs runner group 'pkgs' and BuildKit at");
    expect(found[0]?.message).toContain('delete .github/workflows/ci.yaml');
  });

  it('finds nothing in a checkout without workflows', async () => {
    expect(await findInheritedCi(mkdtempSync(join(tmpdir(), 'no-ci-')))).toEqual([]);
  });
});
