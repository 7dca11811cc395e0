/**
 * JSON as block YAML with every key and string double-quoted (JSON's string
 * syntax is YAML's double-quoted one), one scalar per line: how the
 * differential admission test hands a Pod to `transform()` as a one-document
 * stream (admission.ts did the same before it planned the Pod as data).
 */

/** The block YAML of a JSON value; it reads back (YAML 1.1) as the same value. */
export function blockYaml(value: unknown): string {
  let out = '';
  const scalar = (v: unknown): string | undefined => {
    if (Array.isArray(v)) return v.length === 0 ? '[]' : undefined;
    if (isObject(v)) return Object.keys(v).length === 0 ? '{}' : undefined;
    return typeof v === 'string' ? quote(v) : JSON.stringify(v ?? null);
  };
  const node = (v: unknown, indent: string, first: string): void => {
    if (Array.isArray(v)) {
      for (const item of v) {
        const s = scalar(item);
        if (s !== undefined) out += `${indent}- ${s}\n`;
        else if (Array.isArray(item)) {
          out += `${indent}-\n`;
          node(item, indent + '  ', indent + '  ');
        } else node(item, indent + '  ', `${indent}- `);
      }
      return;
    }
    let lead = first;
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      const s = scalar(item);
      if (s !== undefined) out += `${lead}${quote(k)}: ${s}\n`;
      else {
        out += `${lead}${quote(k)}:\n`;
        node(item, Array.isArray(item) ? indent : indent + '  ', Array.isArray(item) ? indent : indent + '  ');
      }
      lead = indent;
    }
  };
  const top = scalar(value);
  if (top !== undefined) return `${top}\n`;
  node(value, '', '');
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A JSON string as a YAML double-quoted scalar. JSON leaves some characters
 * raw that YAML reads as line breaks (U+0085, U+2028, U+2029) or refuses as
 * non-printable (DEL, C1 controls, U+FEFF, U+FFFE, U+FFFF): those are escaped.
 */
function quote(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
