/**
 * Writing simple YAML scalars the way upstream files write them: plain when YAML reads the text
 * back as the same string, double-quoted (JSON escapes are valid YAML) otherwise.
 */

const plainSafe = /^[A-Za-z0-9_./(][A-Za-z0-9 _.,/()@+=~-]*$/;
const numberLike = /^[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?$|^0[xXoO][0-9a-fA-F]+$/;
const specialWords =
  /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|\.inf|\.nan)$/;

/** The value as a YAML scalar: plain when that reads back as the same string, else quoted. */
export function yamlScalar(value: string): string {
  if (
    value === '' ||
    !plainSafe.test(value) ||
    numberLike.test(value) ||
    specialWords.test(value) ||
    value.endsWith(' ')
  ) {
    return JSON.stringify(value);
  }
  return value;
}

/** Always double-quoted (upstream quotes template values and version ranges). */
export function yamlQuoted(value: string): string {
  return JSON.stringify(value);
}
