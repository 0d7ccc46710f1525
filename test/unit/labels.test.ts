import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  everything,
  formatLabelSelector,
  labelSelectorFromObject,
  labelSelectorFromSet,
  labelSelectorToString,
  matches,
  nothing,
  parseLabelSelector,
  validateLabelKey,
  validateLabelSelector,
  validateLabelValue,
  validateLabels,
} from '../../src/api/labels.ts';
import { StatusError } from '../../src/api/errors.ts';

function parseError(s: string): string {
  try {
    parseLabelSelector(s);
  } catch (err) {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    return err.message;
  }
  return assert.fail(`expected ${JSON.stringify(s)} to be rejected`);
}

test('well-formed selectors parse and print back without spaces, sorted by key', () => {
  for (const s of ['x=a,y=b,z=c', '', 'x!=a,y=b', 'x=', 'x= ', 'x=,z= ', '!x', 'x>1', 'x>1,z<5']) {
    assert.equal(labelSelectorToString(parseLabelSelector(s)), s.replace(/ /g, ''), s);
  }
  assert.equal(labelSelectorToString(parseLabelSelector('x=a,a=x')), 'a=x,x=a');
  assert.equal(labelSelectorToString(parseLabelSelector(' tier in ( web , db ) , !gone ,env notin (prod)')), 'env notin (prod),!gone,tier in (db,web)');
  assert.equal(labelSelectorToString(parseLabelSelector('a==b')), 'a==b');
});

test('equality, inequality and set-based requirements match as upstream', () => {
  const labels = { app: 'web', tier: 'front', n: '5' };
  const yes = ['app=web', 'app==web', 'app!=db', 'tier in (front,back)', 'tier notin (db)', 'app', '!missing', 'missing!=x', 'missing notin (x)', 'n>4', 'n<6', 'app=web,tier=front', ''];
  const no = ['app=db', 'app!=web', 'tier in (back)', 'tier notin (front)', 'missing', '!app', 'missing=x', 'missing in (x)', 'n>5', 'n<5', 'app=web,tier=back', 'app>1'];
  for (const s of yes) assert.equal(matches(parseLabelSelector(s), labels), true, s);
  for (const s of no) assert.equal(matches(parseLabelSelector(s), labels), false, s);
});

test('in and notin are plain values inside a value list', () => {
  const sel = parseLabelSelector('x in (in,notin)');
  assert.deepEqual(sel.requirements, [{ key: 'x', operator: 'in', values: ['in', 'notin'] }]);
});

test('empty values in a set are allowed as upstream: "x in ()" and "x in (a,)"', () => {
  assert.deepEqual(parseLabelSelector('x in ()').requirements[0].values, ['']);
  assert.deepEqual(parseLabelSelector('x in (a,)').requirements[0].values, ['', 'a']);
  assert.equal(matches(parseLabelSelector('x in (a,)'), { x: '' }), true);
});

test('malformed selectors are 400 with upstream wording', () => {
  assert.match(parseError('x=a||y=b'), /^unable to parse requirement: values\[0\]\[x\]: Invalid value: "a\|\|y": a valid label must be/);
  assert.equal(parseError('x==a==b'), "found '==', expected: ',' or 'end of string'");
  assert.equal(parseError('!x=a'), "found '=', expected: ',' or 'end of string'");
  assert.match(parseError('x<a'), /^unable to parse requirement: values\[0\]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer$/);
  assert.equal(parseError('x in a'), "unable to parse requirement: found 'a' expected: '('");
  assert.equal(parseError('x in (a'), "unable to parse requirement: found '', expected: ',' or ')'");
  assert.equal(parseError(',x'), "found ',', expected: !, identifier, or 'end of string'");
  assert.equal(parseError('x,'), "found '', expected: identifier after ','");
  assert.equal(parseError('x y'), "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt");
});

test('an invalid key or value inside a selector is reported with its field path', () => {
  assert.equal(
    parseError('-a=b'),
    'unable to parse requirement: <nil>: Invalid value: "-a": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')',
  );
  assert.match(parseError('a=-b'), /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "-b": a valid label must be an empty string/);
});

test('a metav1.LabelSelector: empty matches everything, nil matches nothing', () => {
  const empty = labelSelectorFromObject({});
  assert.equal(matches(empty, {}), true);
  assert.equal(matches(empty, { a: 'b' }), true);
  const nil = labelSelectorFromObject(null);
  assert.equal(matches(nil, {}), false);
  assert.equal(matches(nil, { a: 'b' }), false);
  assert.equal(matches(everything(), { x: 'y' }), true);
  assert.equal(matches(nothing(), { x: 'y' }), false);
});

test('matchLabels and matchExpressions combine, print in key order', () => {
  const sel = labelSelectorFromObject({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['front', 'back'] },
      { key: 'env', operator: 'NotIn', values: ['prod'] },
      { key: 'canary', operator: 'DoesNotExist' },
      { key: 'zone', operator: 'Exists' },
    ],
  });
  assert.equal(labelSelectorToString(sel), 'app=web,!canary,env notin (prod),tier in (back,front),zone');
  assert.equal(matches(sel, { app: 'web', tier: 'back', zone: 'a' }), true);
  assert.equal(matches(sel, { app: 'web', tier: 'back', zone: 'a', canary: 'y' }), false);
  assert.equal(matches(sel, { app: 'web', tier: 'back' }), false);
  assert.equal(matches(sel, { app: 'web', tier: 'back', zone: 'a', env: 'prod' }), false);
});

test('an unknown matchExpressions operator is a 400', () => {
  assert.throws(
    () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Like' }] }),
    (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === '"Like" is not a valid label selector operator',
  );
});

test('formatLabelSelector prints <none> for an empty selector, as kubectl describe shows', () => {
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(formatLabelSelector({ matchLabels: { app: 'web', a: 'b' } }), 'a=b,app=web');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bad' }] }), '<error>');
});

test('a selector from a label set is the Scale status selector string', () => {
  assert.equal(labelSelectorToString(labelSelectorFromSet({ app: 'nginx', 'pod-template-hash': 'abc' })), 'app=nginx,pod-template-hash=abc');
});

test('label keys: optional DNS subdomain prefix, name of at most 63 characters', () => {
  for (const k of ['app', 'a', 'A.b_c-d', 'example.com/name', 'kubernetes.io/hostname', 'a'.repeat(63), `${'a'.repeat(253)}/b`]) {
    assert.equal(validateLabelKey(k, 'metadata.labels'), undefined, k);
  }
  assert.deepEqual(validateLabelKey('a'.repeat(64), 'metadata.labels'), {
    type: 'FieldValueInvalid',
    field: 'metadata.labels',
    message: `Invalid value: "${'a'.repeat(64)}": name part must be no more than 63 characters`,
  });
  assert.match(validateLabelKey('Example.com/x', 'p')!.message, /prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '\.', and must start and end with an alphanumeric character \(e\.g\. 'example\.com', regex used for validation is '\[a-z0-9\]\(\[-a-z0-9\]\*\[a-z0-9\]\)\?\(\\\.\[a-z0-9\]\(\[-a-z0-9\]\*\[a-z0-9\]\)\?\)\*'\)/);
  assert.match(validateLabelKey('/x', 'p')!.message, /prefix part must be non-empty/);
  assert.match(validateLabelKey('a/', 'p')!.message, /name part must be non-empty; name part must consist of/);
  assert.match(validateLabelKey('a/b/c', 'p')!.message, /a valid label key must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)/);
  assert.ok(validateLabelKey('', 'p'));
  assert.ok(validateLabelKey('-a', 'p'));
});

test('label values: empty or up to 63 characters of the label charset', () => {
  for (const v of ['', 'a', 'my_value', '1.2-3', 'a'.repeat(63)]) assert.equal(validateLabelValue(v, 'p'), undefined, v);
  assert.equal(
    validateLabelValue('-x', 'p')!.message,
    `Invalid value: "-x": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
  );
  assert.match(validateLabelValue('a'.repeat(64), 'p')!.message, /must be no more than 63 characters/);
  assert.ok(validateLabelValue('a b', 'p'));
});

test('validateLabels reports every bad key and value at the labels path', () => {
  const errs = validateLabels({ good: 'ok', 'bad key': 'v', k: 'bad value' }, 'metadata.labels');
  assert.equal(errs.length, 2);
  assert.ok(errs.every((e) => e.field === 'metadata.labels' && e.type === 'FieldValueInvalid'));
  assert.match(errs[0].message, /^Invalid value: "bad key": name part must consist of/);
  assert.match(errs[1].message, /^Invalid value: "bad value": a valid label must be/);
  assert.deepEqual(validateLabels(undefined, 'metadata.labels'), []);
});

test('validateLabelSelector checks operators, values and keys of matchExpressions', () => {
  const errs = validateLabelSelector(
    {
      matchLabels: { ok: 'yes' },
      matchExpressions: [
        { key: 'a', operator: 'In' },
        { key: 'b', operator: 'Exists', values: ['x'] },
        { key: 'c', operator: 'Like' },
      ],
    },
    'spec.selector',
  );
  assert.deepEqual(
    errs.map((e) => `${e.field}: ${e.message}`),
    [
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[2].operator: Invalid value: "Like": not a valid selector operator',
    ],
  );
});
