/**
 * `talos-kmod modinfo <file>…`: what `modinfo` prints for each module (`.ko`, `.ko.xz`, `.ko.zst`,
 * `.ko.gz`), plus `signed: yes|no` and any problems; `--cert FILE` also verifies each signature;
 * `--json` prints an array of objects instead; `-F field` only that field's values, like
 * `modinfo -F vermagic`. Exit 1 when a file is not a module or fails verification; 2 when a file
 * or the certificate cannot be read (see `exit-code.ts`).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError, describeError } from '@talos-kmod/common';
import type { ModuleInfo, VerifyResult } from '@talos-kmod/kmod';
import { exitCodeFor } from '../exit-code';
import { exitCodes } from '../io';
import { loadKmod } from '../lazy';
import { UsageError } from '../flags';
import type { RegisterCommand } from './index';

type Kmod = Awaited<ReturnType<typeof loadKmod>>;

interface Flags {
  json?: boolean;
  cert?: string;
  field?: string;
}

interface Report {
  file: string;
  info?: ModuleInfo;
  verification?: VerifyResult;
  error?: string;
  /** The exit code the error calls for: 2 when the file cannot be read, else 1. */
  errorCode?: number;
}

/** True when nothing module-like could be read (not ELF, no .modinfo, bad compression). */
function unreadable(info: ModuleInfo): boolean {
  return info.modinfo.length === 0 && info.problems.length > 0;
}

async function inspectWithCert(k: Kmod, file: string, cert: Uint8Array): Promise<Report> {
  const data = await readFile(file).catch((e: unknown) => {
    const code = (e as { code?: unknown }).code;
    throw new UserError(
      `cannot read module file ${file}: ${typeof code === 'string' ? code : describeError(e)}; check the path and permissions`,
      { cause: e },
    );
  });
  const out = await k.decompressModule(data, { fileName: file });
  // readModule reports a decompression failure the same way as without --cert.
  if ('problem' in out) return { file, info: await k.readModule(data, { fileName: file }) };
  const info = { ...k.inspectModule(out.data, { fileName: file }), compression: out.compression };
  return { file, info, verification: k.verifyModuleSignature(out.data, cert) };
}

async function inspectOne(k: Kmod, file: string, cert: Uint8Array | undefined): Promise<Report> {
  try {
    return cert
      ? await inspectWithCert(k, file, cert)
      : { file, info: await k.readModuleFile(file) };
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
  const lines = k.formatModinfo(r.info, resolve(r.file));
  if (r.verification) {
    lines.push(
      `${'verified:'.padEnd(16)}${r.verification.verified ? 'yes' : `no (${r.verification.reason ?? 'unknown reason'})`}`,
    );
  }
  for (const p of r.info.problems) lines.push(`${'problem:'.padEnd(16)}${p}`);
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
  for (const value of k.modinfoField(r.info, field, resolve(r.file))) write(`${value}\n`);
}

function toJson(k: Kmod, r: Report): unknown {
  if (!r.info) return { file: r.file, error: r.error };
  return {
    file: r.file,
    ...k.moduleInfoToJson(r.info),
    ...(r.verification ? { verification: r.verification } : {}),
  };
}

function indent(json: string): string {
  return json.replace(/^/gm, '  ');
}

async function readCert(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e: unknown) {
    throw Object.assign(
      new UserError(
        `cannot read certificate ${path}: ${describeError(e)}; pass a PEM or DER X.509 file`,
      ),
      { exitCode: exitCodes.usage },
    );
  }
}

/** Registers `modinfo`. */
export const registerModinfo: RegisterCommand = (program: Command, context) => {
  program
    .command('modinfo')
    .description(
      'Show kernel module information and signatures, like modinfo (also .ko.xz/.zst/.gz)',
    )
    .argument('<file...>', 'kernel module files')
    .option('--json', 'print an array of JSON objects')
    .option('--cert <file>', 'verify each signature against this X.509 certificate (PEM or DER)')
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
      const cert = flags.cert ? await readCert(flags.cert) : undefined;
      const out = (s: string) => ctx.io.stdout.write(s);
      // Reports are written as they come and not kept: a kernel has thousands of modules.
      let failed = 0;
      let code: number = exitCodes.ok;
      if (flags.json) out('[');
      for (const [i, file] of files.entries()) {
        const r = await inspectOne(k, file, cert);
        ctx.logger.debug(`${file}: ${r.info ? `${r.info.problems.length} problem(s)` : r.error}`);
        if (flags.json)
          out(`${i > 0 ? ',' : ''}\n${indent(JSON.stringify(toJson(k, r), null, 2))}`);
        else if (flags.field) printField(k, r, flags.field, out, (s) => ctx.io.stderr.write(s));
        else printText(k, r, out, (s) => ctx.io.stderr.write(s));
        if (!r.info || unreadable(r.info) || (r.verification && !r.verification.verified)) {
          failed++;
          code = Math.max(code, r.errorCode ?? exitCodes.failed);
        }
      }
      if (flags.json) out('\n]\n');
      if (failed > 0) {
        ctx.io.stderr.write(
          `${failed} of ${files.length} module(s) could not be read${cert ? ' or failed verification' : ''}\n`,
        );
        ctx.setExitCode(code);
      }
    });
};
