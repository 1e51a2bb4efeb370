import { describe, expect, it } from '@jest/globals';
import {
  failureMessage,
  formatReportMarkdown,
  formatReportText,
  groupChecks,
  type Check,
  type VerifyReport,
} from '@talos-kmod/verify';

/** A kernel image missing the firmware of many modules, one module not verified. */
function report(missing: number): VerifyReport {
  const firmware: Check[] = Array.from({ length: missing }, (_, i) => ({
    id: 'firmware.present',
    severity: 'warning',
    status: 'fail',
    platform: 'linux/amd64',
    path: `usr/lib/modules/6.12.31-talos/kernel/m${i}.ko`,
    message: `m${i} needs firmware fw${i}.bin, which is not in the image`,
  }));
  return {
    schemaVersion: 1,
    passed: false,
    image: 'registry.example/acme/kernel:v1',
    failOn: 'error',
    platforms: [
      {
        platform: 'linux/amd64',
        kind: 'kernel',
        moduleCount: missing + 1,
        proof: 'certificate',
        certificates: [
          {
            subject: 'CN = Build time throw-away kernel key',
            issuer: 'CN = Build time throw-away kernel key',
            serialNumber: '1A:2B',
            key: 'rsa 4096',
            sha256Fingerprint: Array.from({ length: 32 }, () => 'AB').join(':'),
            notAfter: '2125-01-01T00:00:00.000Z',
            source: 'registry.example/acme/kernel:v1 boot/vmlinuz',
          },
        ],
        passed: false,
      },
    ],
    checks: [
      {
        id: 'signature.certificate',
        severity: 'error',
        status: 'fail',
        platform: 'linux/amd64',
        path: 'usr/lib/modules/6.12.31-talos/kernel/bad.ko',
        message: 'bad (usr/lib/modules/6.12.31-talos/kernel/bad.ko) is bad-signature: changed',
      },
      ...firmware,
      {
        id: 'signature.kernel-certificate',
        severity: 'error',
        status: 'pass',
        platform: 'linux/amd64',
        message: 'the kernel trusts one certificate',
      },
    ],
    modules: [
      {
        name: 'bad',
        path: 'usr/lib/modules/6.12.31-talos/kernel/bad.ko',
        signed: true,
        verdict: 'bad-signature',
        certificate: Array.from({ length: 32 }, () => 'AB').join(':'),
      },
    ],
  };
}

describe('grouping repeated findings', () => {
  it('groups failures by check, severity and platform, keeping the count and every path', () => {
    const groups = groupChecks(report(2030));
    expect(groups.map((g) => [g.id, g.status, g.count])).toEqual([
      ['signature.certificate', 'fail', 1],
      ['firmware.present', 'fail', 2030],
      ['signature.kernel-certificate', 'pass', 1],
    ]);
    expect(groups[1]?.paths).toHaveLength(2030);
  });

  it('prints one text line per check with the count and the first paths', () => {
    const text = formatReportText(report(2030), { color: false });
    expect(text.match(/firmware\.present/g)).toHaveLength(1);
    expect(text).toContain(
      '! firmware.present ×2030  usr/lib/modules/6.12.31-talos/kernel/m0.ko: m0',
    );
    expect(text).toContain(
      'and 2029 more like it: usr/lib/modules/6.12.31-talos/kernel/m1.ko, usr/lib/modules/6.12.31-talos/kernel/m2.ko, usr/lib/modules/6.12.31-talos/kernel/m3.ko and 2,026 more (--json lists all)',
    );
    expect(text).toContain('signatures proven by certificate');
    expect(text).toMatch(
      /kernel certificate: CN = Build time throw-away kernel key, serial 1A:2B, rsa 4096, SHA-256 AB:/,
    );
    expect(text).toMatch(/bad .* bad-signature/);
  });

  it('renders one markdown row per check with the count, and the verdict and fingerprint per module', () => {
    const md = formatReportMarkdown(report(2030));
    const rows = md.split('\n').filter((l) => l.includes('`firmware.present`'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('| 2030 |');
    expect(rows[0]).toContain('…and 2029 more like it');
    expect(md).toContain('| linux/amd64 | kernel |  | 2031 | 🔏 kernel certificate | ❌ failed |');
    expect(md).toContain('❌ bad-signature | `AB:AB:AB:AB:AB:AB:AB:AB…`');
    expect(md).toContain(`SHA-256 \`${Array.from({ length: 32 }, () => 'AB').join(':')}\``);
  });

  it('lists a group once in the failure message', () => {
    const r = report(3);
    r.failOn = 'warning';
    const message = failureMessage(r);
    expect(message.match(/firmware\.present/g)).toHaveLength(1);
    expect(message).toContain(
      '(and 2 more like it: usr/lib/modules/6.12.31-talos/kernel/m1.ko, usr/lib/modules/6.12.31-talos/kernel/m2.ko)',
    );
  });
});
