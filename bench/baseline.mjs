// The benchmark's baseline: only parse a multi-document YAML stream with the
// `yaml` library's Document API and serialise it again, nothing else.
//
//   node bench/baseline.mjs < stream.yaml > out.yaml
//   node bench/baseline.mjs stream.yaml > out.yaml
//
// This is the floor that a tool built naively on `yaml` (parse everything,
// edit the AST, stringify everything) pays before doing any actual work.

import { readFileSync, writeSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const text = readFileSync(process.argv[2] ?? 0, 'utf8');
const docs = parseAllDocuments(text);
if (!Array.isArray(docs)) {
  // an EmptyStream: nothing but comments or blank lines
  process.exit(0);
}
// a document that had an explicit `---` keeps it in String(doc); add one only
// where the source had none (the first document, usually)
let out = '';
for (const doc of docs) {
  const s = String(doc);
  out += out === '' || s.startsWith('---') ? s : `---\n${s}`;
}

// write synchronously and completely: process.stdout to a file or pipe may be
// asynchronous, and exiting early must not cut the output
const buf = Buffer.from(out, 'utf8');
for (let off = 0; off < buf.length;) off += writeSync(1, buf, off, buf.length - off);
