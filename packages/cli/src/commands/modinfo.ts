/**
 * `talos-kmod modinfo <file>…`: what `modinfo` prints for each module (`.ko`, `.ko.xz`, `.ko.zst`,
 * `.ko.gz`), plus `signed: yes|no` and any problems; `--verify-with KERNEL|CERT` also judges each
 * signature against the certificates the kernel trusts (a `verdict:` line); `--json` prints an
 * array of objects instead; `-F field` only that field's values, like `modinfo -F vermagic`.
 * Exit 1 when a file is not a module or is not verified; 2 when a file or the certificates cannot
 * be read (see `exit-code.ts`).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describeError, isUserError, visibleControls } from '@talos-kmod/common';
import type { CertificateInfo, ModuleInfo } from '@talos-kmod/kmod';
import { exitCodeFor } from '../exit-code';
import { UsageError } from '../flags';
import { exitCodes, jsonText } from '../io';
import { loadKmod, loadPipeline } from '../lazy';
import type { DefineCommand } from '../command-context';

type Kmod = Awaited<ReturnType<typeof loadKmod>>;

interface Flags {
  json?: boolean;
  verifyWith?: string;
  cert?: string;
  field?: string;
}

interface Report {
  file: string;
  info?: ModuleInfo;
  error?: string;
  /** The exit code the error calls for: 2 when the file cannot be read, else 1. */
  errorCode?: number;
}

/** True when nothing module-like could be read (not ELF, no .modinfo, bad compression). */
function unreadable(info: ModuleInfo): boolean {
  return info.modinfo.length === 0 && info.problems.length > 0;
}

async function inspectOne(k: Kmod, file: string, trust: Trust | undefined): Promise<Report> {
  try {
    const options = trust
      ? {
          certificates: trust.certificates,
          ...(trust.revoked ? { revokedCertificates: trust.revoked } : {}),
        }
      : {};
    return { file, info: await k.readModuleFile(file, options) };
  } catch (e: unknown) {
    return { file, error: describeError(e), errorCode: exitCodeFor(e) };
  }
}

function printText(
  k: Kmod,
  r: Report,
  write: (s: string) => void,
  warn: (s: string) => void,
): void {
  if (!r.info) {
    warn(`error: ${r.error ?? 'unknown error'}\n`);
    return;
  }
  // names and values from the module are shown with their control characters escaped
  const lines = k.formatModinfo(r.info, resolve(r.file), visibleControls);
  const v = r.info.verification;
  if (v) lines.push(`${'verdict:'.padEnd(16)}${v.verdict} (${visibleControls(v.reason)})`);
  for (const p of r.info.problems) lines.push(`${'problem:'.padEnd(16)}${visibleControls(p)}`);
  write(`${lines.join('\n')}\n`);
}

function printField(
  k: Kmod,
  r: Report,
  field: string,
  write: (s: string) => void,
  warn: (s: string) => void,
): void {
  if (!r.info) {
    warn(`error: ${r.error ?? 'unknown error'}\n`);
    return;
  }
  for (const value of k.modinfoField(r.info, field, resolve(r.file), visibleControls))
    write(`${value}\n`);
  // stdout holds only the values (for scripts); why a file fails goes to stderr, named.
  if (unreadable(r.info)) warn(`error: ${r.file}: ${r.info.problems.join('; ')}\n`);
  const v = r.info.verification;
  if (v && v.verdict !== 'verified') warn(`error: ${r.file}: ${v.verdict} (${v.reason})\n`);
}

function toJson(k: Kmod, r: Report): unknown {
  if (!r.info) return { file: r.file, error: r.error };
  return { file: r.file, ...k.moduleInfoToJson(r.info) };
}

function indent(json: string): string {
  return json.replace(/^/gm, '  ');
}

/** What a kernel trusts and revokes. */
interface Trust {
  readonly certificates: readonly CertificateInfo[];
  readonly revoked?: readonly CertificateInfo[];
}

/** The certificates `spec` (certificate file, kernel file or image) holds; exit 2 when it cannot be read. */
async function readTrust(spec: string, log: (s: string) => void): Promise<Trust> {
  const { readTrustedCertificatesFile } = await loadPipeline();
  try {
    const trust = await readTrustedCertificatesFile(spec);
    for (const p of trust.problems) log(`warning: ${trust.source}: ${p}\n`);
    for (const c of trust.certificates) {
      log(
        `trusting ${c.subject} (serial ${c.serialNumber}, SHA-256 ${c.sha256Fingerprint}) from ${trust.source}\n`,
      );
    }
    for (const c of trust.revoked ?? []) {
      log(
        `revoked by the kernel: ${c.subject} (serial ${c.serialNumber}, SHA-256 ${c.sha256Fingerprint}) in ${trust.source}\n`,
      );
    }
    return trust;
  } catch (e: unknown) {
    if (isUserError(e)) Object.assign(e, { exitCode: exitCodes.usage });
    throw e;
  }
}

/** Defines `modinfo`. */
export const defineModinfo: DefineCommand = (command: Command, context) => {
  command
    .argument('<file...>', 'kernel module files')
    .option('--json', 'print an array of JSON objects')
    .option(
      '--verify-with <file>',
      'judge each signature against the certificates of this kernel file (vmlinuz, UKI) or PEM/DER certificate file',
    )
    .option('--cert <file>', 'the same as --verify-with')
    .option(
      '-F, --field <name>',
      "print only this field's values, one per line, like modinfo -F (e.g. vermagic, signer, sig_key)",
    )
    .action(async (files: string[], flags: Flags) => {
      const k = await loadKmod();
      const ctx = context();
      if (flags.json && flags.field) {
        throw new UsageError('--json and -F/--field do not go together: choose one');
      }
      const spec = flags.verifyWith ?? flags.cert;
      const cert = spec ? await readTrust(spec, (s) => ctx.io.stderr.write(s)) : undefined;
      const out = (s: string) => ctx.io.stdout.write(s);
      // Reports are written as they come and not kept: a kernel has thousands of modules.
      let failed = 0;
      let code: number = exitCodes.ok;
      if (flags.json) out('[');
      for (const [i, file] of files.entries()) {
        const r = await inspectOne(k, file, cert);
        ctx.logger.debug(`${file}: ${r.info ? `${r.info.problems.length} problem(s)` : r.error}`);
        if (flags.json) out(`${i > 0 ? ',' : ''}\n${indent(jsonText(toJson(k, r)))}`);
        else if (flags.field) printField(k, r, flags.field, out, (s) => ctx.io.stderr.write(s));
        else printText(k, r, out, (s) => ctx.io.stderr.write(s));
        const v = r.info?.verification;
        if (!r.info || unreadable(r.info) || (v && v.verdict !== 'verified')) {
          failed++;
          code = Math.max(code, r.errorCode ?? exitCodes.failed);
        }
      }
      if (flags.json) out('\n]\n');
      if (failed > 0) {
        ctx.io.stderr.write(
          `${failed} of ${files.length} module(s) could not be read${cert ? ' or are not verified' : ''}\n`,
        );
        ctx.setExitCode(code);
      }
    });
};
