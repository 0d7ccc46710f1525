import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  QUANTITY_FORMAT_ERROR,
  canonicalQuantity,
  formatQuantity,
  intValue,
  isValidQuantity,
  milliValue,
  parseQuantity,
  quantityToString,
} from '../../src/api/quantity.ts';

test('suffixes parse to their values and formats', () => {
  const cases: [string, number, string][] = [
    ['1', 1, 'DecimalSI'],
    ['500m', 0.5, 'DecimalSI'],
    ['250u', 0.00025, 'DecimalSI'],
    ['5n', 5e-9, 'DecimalSI'],
    ['2k', 2000, 'DecimalSI'],
    ['100M', 1e8, 'DecimalSI'],
    ['3G', 3e9, 'DecimalSI'],
    ['1T', 1e12, 'DecimalSI'],
    ['1P', 1e15, 'DecimalSI'],
    ['1E', 1e18, 'DecimalSI'],
    ['1Ki', 1024, 'BinarySI'],
    ['128Mi', 128 * 2 ** 20, 'BinarySI'],
    ['1.5Gi', 1.5 * 2 ** 30, 'BinarySI'],
    ['2Ti', 2 * 2 ** 40, 'BinarySI'],
    ['1Pi', 2 ** 50, 'BinarySI'],
    ['1Ei', 2 ** 60, 'BinarySI'],
    ['1e3', 1000, 'DecimalExponent'],
    ['1E3', 1000, 'DecimalExponent'],
    ['1.3E+6', 1.3e6, 'DecimalExponent'],
    ['5e-3', 0.005, 'DecimalExponent'],
    ['-1.5', -1.5, 'DecimalSI'],
    ['+2', 2, 'DecimalSI'],
    ['.5', 0.5, 'DecimalSI'],
    ['1.', 1, 'DecimalSI'],
  ];
  for (const [s, value, format] of cases) {
    const q = parseQuantity(s);
    assert.equal(q.value, value, s);
    assert.equal(q.format, format, s);
  }
});

test('numbers parse like their decimal spelling', () => {
  assert.equal(parseQuantity(2).value, 2);
  assert.equal(parseQuantity(0.25).format, 'DecimalSI');
  assert.equal(canonicalQuantity(0.25), '250m');
});

test('malformed quantities throw upstream\'s message', () => {
  for (const s of ['', 'abc', '1.1.M', '1+1.0M', '1KiB', ' 1', '1 ', '1i', '-3.01i']) {
    assert.throws(() => parseQuantity(s), (e: unknown) => e instanceof Error && e.message === QUANTITY_FORMAT_ERROR || /suffix/.test((e as Error).message), s);
    assert.equal(isValidQuantity(s), false, s);
  }
  assert.throws(() => parseQuantity('1Q'), { message: QUANTITY_FORMAT_ERROR });
  assert.throws(() => parseQuantity('0.1mi'), { message: "unable to parse quantity's suffix" });
  assert.equal(isValidQuantity('100m'), true);
});

test('amounts finer than a nano-unit round up, away from zero', () => {
  assert.equal(canonicalQuantity('3.001n'), '4n');
  assert.equal(canonicalQuantity('0.0000000001'), '1n');
  assert.equal(canonicalQuantity('-0.0000000001'), '-1n');
});

test('milliValue and intValue round up away from zero, exactly', () => {
  assert.equal(milliValue(parseQuantity('100m')), 100);
  assert.equal(milliValue(parseQuantity('0.3')), 300);
  assert.equal(milliValue(parseQuantity('1.5')), 1500);
  assert.equal(milliValue(parseQuantity('1n')), 1);
  assert.equal(milliValue(parseQuantity('2')), 2000);
  assert.equal(milliValue('250m'), 250);
  assert.equal(intValue(parseQuantity('1.5')), 2);
  assert.equal(intValue(parseQuantity('100m')), 1);
  assert.equal(intValue(parseQuantity('-100m')), -1);
  assert.equal(intValue(parseQuantity('64Mi')), 64 * 1024 * 1024);
  assert.equal(intValue(parseQuantity('1G')), 1e9);
  assert.equal(intValue('0'), 0);
  assert.equal(milliValue({ value: 0.7, format: 'DecimalSI' }), 700);
});

test('canonical serialization matches upstream', () => {
  const cases: [string, string][] = [
    ['1000m', '1'],
    ['0.5', '500m'],
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['1024Mi', '1Gi'],
    ['1.5Ki', '1536'],
    ['0.5Ki', '512'],
    ['1e3', '1e3'],
    ['1E3', '1E3'],
    ['1000e0', '1e3'],
    ['1.5e3', '1500'],
    ['100M', '100M'],
    ['1000M', '1G'],
    ['1000000k', '1G'],
    ['1.08', '1080m'],
    ['0.001e0', '1e-3'],
    ['0', '0'],
    ['0Mi', '0'],
    ['-0', '0'],
    ['00', '0'],
    ['5000m', '5'],
    ['+1', '+1'],
    ['.001Ki', '1024m'],
    ['9Ei', '9223372036854775807'], // clamped to the int64 maximum, as upstream
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, input);
});

test('quantityToString of a parsed quantity is its canonical form', () => {
  assert.equal(quantityToString(parseQuantity('2048Ki')), '2Mi');
  assert.equal(quantityToString(parseQuantity('-1.5Gi')), '-1536Mi');
});

test('formatQuantity prints a base-unit amount in the given format', () => {
  assert.equal(formatQuantity(1536 * 1024 * 1024, 'BinarySI'), '1536Mi');
  assert.equal(formatQuantity(0.25, 'DecimalSI'), '250m');
  assert.equal(formatQuantity(0.25, 'BinarySI'), '250m');
  assert.equal(formatQuantity(1000, 'DecimalExponent'), '1e3');
  assert.equal(formatQuantity(4e9, 'DecimalSI'), '4G');
  assert.equal(formatQuantity(5, 'BinarySI'), '5');
  assert.equal(formatQuantity(0, 'BinarySI'), '0');
});
