// The CRD measurement's baseline: only parse a multi-document YAML stream with
// the `yaml` library's `parseAllDocuments` (no serialising, no output).
//
//   node bench/parse.mjs < stream.yaml

import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const docs = parseAllDocuments(readFileSync(process.argv[2] ?? 0, 'utf8'));
const errors = Array.isArray(docs) ? docs.reduce((n, d) => n + d.errors.length, 0) : 0;
if (errors) {
  process.stderr.write(`${errors} YAML errors\n`);
  process.exit(1);
}
