/**
 * What each rule key accepts — operators, `{attribute}`, value forms — following systemd's rules
 * parser (src/udev/udev-rules.c `parse_token`) and udev(7). An `error` drops the rule in udevd; a
 * `warning` is logged and the rule still applies (often with a corrected operator).
 */
import { checkSubstitutions } from './format';
import type { UdevToken } from './types';

/** What a token does for its rule: `match` only compares; the others change something. */
export type TokenEffect = 'match' | 'assign' | 'goto' | 'label';

/** The outcome of checking one token. */
export interface TokenCheck {
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly effect: TokenEffect;
}

/** Builtin commands of systemd-udevd (`IMPORT{builtin}`, `RUN{builtin}`). */
export const udevBuiltins: readonly string[] = [
  'blkid',
  'btrfs',
  'dissect_image',
  'factory_reset',
  'hwdb',
  'input_id',
  'keyboard',
  'kmod',
  'net_driver',
  'net_id',
  'net_setup_link',
  'path_id',
  'tpm2_id',
  'uaccess',
  'usb_id',
];

/** Properties the kernel or udevd set, which `ENV{…}=` may not change. */
const readOnlyProperties = new Set([
  'ACTION',
  'SEQNUM',
  'SYNTH_UUID',
  'DEVPATH',
  'DEVPATH_OLD',
  'SUBSYSTEM',
  'DEVTYPE',
  'DRIVER',
  'MODALIAS',
  'DEVNAME',
  'DEVMODE',
  'DEVUID',
  'DEVGID',
  'MAJOR',
  'MINOR',
  'DISKSEQ',
  'PARTN',
  'IFINDEX',
  'INTERFACE',
  'INTERFACE_OLD',
  'DEVLINKS',
  'TAGS',
  'CURRENT_TAGS',
  'USEC_INITIALIZED',
  'UDEV_DATABASE_VERSION',
]);

/** Keys that only compare: no attribute, `==`/`!=` only. */
const plainMatchKeys = new Set([
  'ACTION',
  'DEVPATH',
  'KERNEL',
  'SUBSYSTEM',
  'DRIVER',
  'KERNELS',
  'SUBSYSTEMS',
  'DRIVERS',
  'TAGS',
  'RESULT',
]);

const logLevels = new Set(['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug']);

class Checker {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  constructor(readonly t: UdevToken) {}
  get isMatch(): boolean {
    return this.t.op === '==' || this.t.op === '!=';
  }
  invalidOp(): void {
    this.errors.push(`invalid operator '${this.t.op}' for ${this.t.key}`);
  }
  invalidAttr(): void {
    this.errors.push(
      this.t.attr === undefined
        ? `${this.t.key} needs an attribute: ${this.t.key}{…}`
        : `invalid attribute '{${this.t.attr}}' for ${this.t.key}`,
    );
  }
  noAttr(): boolean {
    if (this.t.attr !== undefined) this.invalidAttr();
    return this.t.attr === undefined;
  }
  needAttr(): boolean {
    if (!this.t.attr) this.invalidAttr();
    return Boolean(this.t.attr);
  }
  assumeAssign(ops: string): void {
    this.warnings.push(`${this.t.key} takes ${ops}; '${this.t.op}' is treated as '='`);
  }
  format(nonEmpty = false): void {
    if (nonEmpty && this.t.value === '') {
      this.warnings.push(`empty value for ${this.t.key}, ignored`);
      return;
    }
    const bad = checkSubstitutions(this.t.value);
    if (bad)
      this.warnings.push(
        `invalid value "${this.t.value}" for ${this.t.key} (char ${bad.char}: ${bad.hint})`,
      );
  }
  attrFormat(): void {
    const bad = this.t.attr ? checkSubstitutions(this.t.attr) : undefined;
    if (bad)
      this.warnings.push(
        `invalid attribute "${this.t.attr}" for ${this.t.key} (char ${bad.char}: ${bad.hint})`,
      );
  }
}

function checkOptions(c: Checker): void {
  const v = c.t.value;
  if (
    /^(dump|string_escape=(none|replace)|db_persist|watch|nowatch)$/.test(v) ||
    v.startsWith('static_node=')
  )
    return;
  const prio = /^link_priority=(.*)$/.exec(v);
  if (prio) {
    if (!/^[+-]?[0-9]+$/.test(prio[1] ?? ''))
      c.errors.push(`cannot parse link priority '${prio[1]}'`);
    return;
  }
  const level = /^log_level=(.*)$/.exec(v);
  if (level) {
    const l = level[1] ?? '';
    if (l !== 'reset' && !logLevels.has(l) && !/^[0-7]$/.test(l))
      c.errors.push(`cannot parse log level '${l}'`);
    return;
  }
  c.warnings.push(`invalid value for OPTIONS, ignored: '${v}'`);
}

function checkKey(c: Checker): TokenEffect {
  const { key, op, attr, value } = c.t;
  if (plainMatchKeys.has(key)) {
    if (c.noAttr() && !c.isMatch) c.invalidOp();
    if (key === 'SUBSYSTEM' && (value === 'bus' || value === 'class')) {
      c.warnings.push(`"${value}" must be written as "subsystem"`);
    }
    return 'match';
  }
  switch (key) {
    case 'SYMLINK':
      c.noAttr();
      if (!c.isMatch) c.format();
      return c.isMatch ? 'match' : 'assign';
    case 'NAME':
      if (!c.noAttr()) return 'match';
      if (op === '-=') c.invalidOp();
      if (op === '+=') c.assumeAssign("'==', '!=', '=' or ':='");
      if (c.isMatch) return 'match';
      if (value === '%k') c.errors.push('NAME="%k" has no effect');
      else if (value === '')
        c.errors.push('NAME="" has no effect: udev does not delete network interfaces');
      else c.format();
      return 'assign';
    case 'ENV':
      if (!c.needAttr()) return 'match';
      if (op === '-=') c.invalidOp();
      if (op === ':=') c.assumeAssign("'==', '!=', '=' or '+='");
      if (c.isMatch) return 'match';
      if (readOnlyProperties.has(attr ?? '') || (attr ?? '').startsWith('SYNTH_ARG_')) {
        // an error since systemd 256; older udevd accepted it, so only warn
        c.warnings.push(
          `ENV{${attr}} cannot be set by rules on current systemd: the kernel or udevd own it`,
        );
      }
      c.format();
      return 'assign';
    case 'CONST':
      if (attr !== 'arch' && attr !== 'virt') c.invalidAttr();
      else if (!c.isMatch) c.invalidOp();
      return 'match';
    case 'TAG':
      c.noAttr();
      if (op === ':=') c.assumeAssign("'==', '!=', '=' or '+='");
      if (c.isMatch) return 'match';
      c.format(true);
      return 'assign';
    case 'ATTR':
    case 'SYSCTL':
      if (!c.needAttr()) return 'match';
      c.attrFormat();
      if (op === '-=') c.invalidOp();
      if (op === '+=' || op === ':=') c.assumeAssign("'==', '!=' or '='");
      if (c.isMatch) return 'match';
      c.format();
      return 'assign';
    case 'ATTRS':
      if (!c.needAttr()) return 'match';
      c.attrFormat();
      if (!c.isMatch) c.invalidOp();
      if ((attr ?? '').startsWith('device/'))
        c.warnings.push("the 'device' link may not be available in future kernels");
      if ((attr ?? '').includes('../'))
        c.warnings.push(
          'direct reference to the parent sysfs directory may break in future kernels',
        );
      return 'match';
    case 'TEST':
      if (attr && !/^[0-7]{1,4}$/.test(attr)) c.errors.push(`cannot parse mode '${attr}' of TEST`);
      c.format(true);
      if (!c.isMatch) c.invalidOp();
      else if (c.t.caseInsensitive) c.errors.push("invalid prefix 'i' for TEST");
      return 'match';
    case 'PROGRAM':
      c.noAttr();
      c.format(true);
      if (op === '-=') c.invalidOp();
      if (c.t.caseInsensitive) c.errors.push("invalid prefix 'i' for PROGRAM");
      return 'assign';
    case 'IMPORT':
      if (!c.needAttr()) return 'match';
      c.format(true);
      if (op === '-=') c.invalidOp();
      if (c.t.caseInsensitive) c.errors.push("invalid prefix 'i' for IMPORT");
      if (!['file', 'program', 'builtin', 'db', 'cmdline', 'parent'].includes(attr ?? ''))
        c.invalidAttr();
      else if (attr === 'builtin' && !udevBuiltins.includes(value.split(/\s+/)[0] ?? '')) {
        c.errors.push(`unknown builtin command '${value}'`);
      }
      return 'assign';
    case 'OPTIONS':
      c.noAttr();
      if (c.isMatch || op === '-=') c.invalidOp();
      else checkOptions(c);
      return 'assign';
    case 'OWNER':
    case 'GROUP':
    case 'MODE':
      c.noAttr();
      if (c.isMatch || op === '-=') c.invalidOp();
      if (op === '+=') c.assumeAssign("'=' or ':='");
      if (key === 'MODE' ? !/^[0-7]{1,4}$/.test(value) : !/^[0-9]+$/.test(value)) c.format(true);
      return 'assign';
    case 'SECLABEL':
      if (!c.needAttr()) return 'match';
      c.format(true);
      if (c.isMatch || op === '-=') c.invalidOp();
      if (op === ':=') c.assumeAssign("'=' or '+='");
      return 'assign';
    case 'RUN':
      if (c.isMatch || op === '-=') c.invalidOp();
      c.format(true);
      if (attr === 'builtin') {
        if (!udevBuiltins.includes(value.split(/\s+/)[0] ?? ''))
          c.errors.push(`unknown builtin command '${value}'`);
      } else if (attr !== undefined && attr !== 'program') c.invalidAttr();
      return 'assign';
    case 'GOTO':
    case 'LABEL':
      c.noAttr();
      if (op !== '=') c.invalidOp();
      return key === 'GOTO' ? 'goto' : 'label';
    default:
      c.errors.push(`invalid key '${key}'`);
      return 'match';
  }
}

/** Checks one token against the key's rules. */
export function checkToken(token: UdevToken): TokenCheck {
  const c = new Checker(token);
  if (!c.isMatch && token.caseInsensitive) {
    c.errors.push(`invalid prefix 'i' for '${token.key}': it only goes with '==' or '!='`);
  }
  const effect = checkKey(c);
  return { errors: c.errors, warnings: c.warnings, effect };
}
