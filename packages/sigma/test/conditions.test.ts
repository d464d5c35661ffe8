// Condition forms of the Sigma specification: and/or/not, precedence, parentheses, 1 of / all of with
// wildcards and `them`, N of, condition lists; plus keyword searches and error reporting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose, hits, matches } from './helpers.js';

const sels =
  'selection1:\n  A: 1\nselection2:\n  B: 2\nkeywords1:\n  - alpha\nkeywords2:\n  - beta\n_internal:\n  C: 3\n';

test('and / or / not and parentheses', () => {
  assert.ok(matches(sels + 'condition: selection1 and selection2', { A: 1, B: 2 }));
  assert.ok(!matches(sels + 'condition: selection1 and selection2', { A: 1 }));
  assert.ok(matches(sels + 'condition: selection1 or selection2', { B: 2 }));
  assert.ok(matches(sels + 'condition: selection1 and not selection2', { A: 1, B: 3 }));
  assert.ok(!matches(sels + 'condition: selection1 and not selection2', { A: 1, B: 2 }));
  assert.ok(matches(sels + 'condition: selection1 and (keywords1 or keywords2)', { A: 1, msg: 'x beta y' }));
  assert.ok(!matches(sels + 'condition: selection1 and (keywords1 or keywords2)', { A: 1, msg: 'gamma' }));
  assert.ok(matches(sels + 'condition: NOT selection1 AND selection2', { B: 2 }));
});

test('precedence: or < and < not', () => {
  // a or b and c  ==  a or (b and c)
  assert.ok(matches(sels + 'condition: selection1 or selection2 and keywords1', { A: 1 }));
  assert.ok(!matches(sels + 'condition: selection1 or selection2 and keywords1', { B: 2 }));
  // not a and b == (not a) and b
  assert.ok(matches(sels + 'condition: not selection1 and selection2', { B: 2 }));
  assert.ok(!matches(sels + 'condition: not selection1 and selection2', { A: 1, B: 2 }));
  assert.ok(matches(sels + 'condition: not (selection1 and selection2)', { A: 1 }));
});

test('1 of / all of with patterns and them (identifiers starting with _ excluded)', () => {
  assert.ok(matches(sels + 'condition: 1 of selection*', { B: 2 }));
  assert.ok(!matches(sels + 'condition: all of selection*', { B: 2 }));
  assert.ok(matches(sels + 'condition: all of selection*', { A: 1, B: 2 }));
  assert.ok(matches(sels + 'condition: 1 of them', { msg: 'alpha' }));
  assert.ok(!matches(sels + 'condition: 1 of them', { C: 3 }));
  assert.ok(matches(sels + 'condition: all of them', { A: 1, B: 2, msg: 'alpha beta' }));
  assert.ok(matches(sels + 'condition: 1 of selection* and not 1 of keywords*', { A: 1, msg: 'none' }));
  assert.ok(!matches(sels + 'condition: 1 of selection* and not 1 of keywords*', { A: 1, msg: 'alpha' }));
  assert.ok(matches(sels + 'condition: 1 of *1', { msg: 'alpha' }));
  assert.ok(matches(sels + 'condition: 2 of them', { A: 1, msg: 'alpha' }));
  assert.ok(!matches(sels + 'condition: 2 of them', { A: 1 }));
  assert.ok(matches(sels + 'condition: _internal', { C: 3 }));
});

test('a list of conditions is OR', () => {
  const d = sels + 'condition:\n  - selection1\n  - selection2';
  assert.ok(matches(d, { A: 1 }));
  assert.ok(matches(d, { B: 2 }));
  assert.ok(!matches(d, { C: 3 }));
});

test('keywords: plain values searched in every field, OR by default', () => {
  const d = "keywords:\n  - 'event::clear'\n  - 'event::drop'\ncondition: keywords";
  assert.ok(matches(d, { msg: 'mimikatz # event::drop' }));
  assert.ok(matches(d, { nested: { deep: ['x', 'EVENT::CLEAR'] } }));
  assert.ok(!matches(d, { msg: 'event::list' }));
});

test('matches carry metadata and matched fields', () => {
  const h = hits('sel:\n  Image|endswith: \\cmd.exe\n  User: bob\ncondition: sel', {
    Image: 'C:\\cmd.exe',
    User: 'bob',
    Other: 'x',
  });
  assert.equal(h.length, 1);
  assert.equal(h[0]!.rule.author, 'Tester');
  assert.equal(h[0]!.rule.level, 'high');
  assert.deepEqual(h[0]!.rule.tags, ['attack.t1059']);
  assert.deepEqual(h[0]!.fields.map((f) => `${f.field}=${f.value}`).sort(), [
    'Image=C:\\cmd.exe',
    'User=bob',
  ]);
});

test('a keyword match names, per keyword that matched, the first value holding it, as written in the event', () => {
  const h = hits("keywords:\n  - 'event::clear'\n  - 'drop'\ncondition: keywords", {
    a: 'nothing here',
    msg: 'mimikatz # EVENT::Clear',
    b: 'DROP table',
  });
  assert.equal(h.length, 1);
  assert.deepEqual(h[0]!.fields, [
    { field: '(keyword)', value: 'mimikatz # EVENT::Clear' },
    { field: '(keyword)', value: 'DROP table' },
  ]);
});

test('condition errors name the reason and the line', () => {
  const cases: Array<[string, RegExp, string]> = [
    ['sel:\n  A: 1\ncondition: sel and', /ends too early/, 'error'],
    ['sel:\n  A: 1\ncondition: sel and missing', /missing.*not defined/, 'error'],
    ['sel:\n  A: 1\ncondition: (sel', /\)/, 'error'],
    ['sel:\n  A: 1\ncondition: 1 of nomatch*', /matches no search identifier/, 'error'],
    ['sel:\n  A: 1\ncondition: sel | count() by B > 3', /aggregation/, 'unsupported'],
    ['sel:\n  A: 1\ncondition: sel near other', /near|unexpected/, 'error'],
    ['sel:\n  A: 1', /no condition/, 'error'],
  ];
  for (const [det, re, status] of cases) {
    const d = diagnose(det);
    assert.equal(d.status, status, det);
    assert.match(d.reason!, re, det);
    assert.ok(d.line >= 8, `line ${d.line} for ${det}`);
  }
  // The line points at the condition.
  assert.equal(diagnose('sel:\n  A: 1\ncondition: sel and').line, 11);
});

test('malformed YAML and non-rule documents are errors with a line, never a crash', async () => {
  const { SigmaEngine } = await import('../src/index.js');
  const e = new SigmaEngine([
    { path: 'bad.yml', text: 'title: x\ndetection:\n  sel: [unclosed\n' },
    { path: 'list.yml', text: '- just\n- a list\n' },
    { path: 'notitle.yml', text: 'logsource: {product: x}\ndetection: {sel: {A: 1}, condition: sel}\n' },
    {
      path: 'deep.yml',
      text:
        'title: deep\nlogsource: {product: x}\ndetection:\n  sel:\n    A: ' +
        '['.repeat(2000) +
        ']'.repeat(2000) +
        '\n  condition: sel\n',
    },
  ]);
  const byPath = new Map(e.diagnostics.map((d) => [d.path, d]));
  assert.equal(byPath.get('bad.yml')!.status, 'error');
  assert.ok(byPath.get('bad.yml')!.line > 0);
  assert.match(byPath.get('bad.yml')!.reason!, /YAML/);
  assert.equal(byPath.get('list.yml')!.status, 'error');
  assert.match(byPath.get('notitle.yml')!.reason!, /title/);
  assert.equal(byPath.get('deep.yml')!.status, 'error');
});
