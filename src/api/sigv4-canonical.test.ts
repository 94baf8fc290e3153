import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalHeaders,
  canonicalQuery,
  canonicalUri,
  headerValue,
  percentDecode,
} from './sigv4-canonical.js';

describe('canonicalUri', () => {
  const cases: [string, string][] = [
    ['', '/'],
    ['/', '/'],
    ['/ListImages', '/ListImages'],
    [
      '/tags/arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A1%3Aimage%2Fa%2F1.0.0',
      '/tags/arn%253Aaws%253Aimagebuilder%253Aus-east-1%253A1%253Aimage%252Fa%252F1.0.0',
    ],
    ['//a/./b/../c/', '/a/c/'],
    ['/a b~', '/a%20b~'],
    ["/!'()*", '/%21%27%28%29%2A'],
  ];
  for (const [raw, expected] of cases)
    it(JSON.stringify(raw), () => assert.equal(canonicalUri(raw), expected));
});

describe('canonicalQuery', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['b=2&a=1', 'a=1&b=2'],
    ['tagKeys=c&tagKeys=a%20b', 'tagKeys=a%20b&tagKeys=c'],
    ['arn=arn%3Aaws%3Ax%2Fy', 'arn=arn%3Aaws%3Ax%2Fy'],
    ['x=a+b', 'x=a%2Bb'],
    ['flag&x=', 'flag=&x='],
    ['x=%7e%zz', 'x=~%25zz'],
    ['B=1&a=1', 'B=1&a=1'],
  ];
  for (const [raw, expected] of cases)
    it(JSON.stringify(raw), () => assert.equal(canonicalQuery(raw), expected));
});

describe('canonical headers', () => {
  const headers = { Host: '127.0.0.1:8700', 'x-amz-date': '20240101T000000Z', 'x-multi': ['a', ' b  c '] };
  it('looks names up case-insensitively and joins repeated values', () => {
    assert.equal(headerValue(headers, 'host'), '127.0.0.1:8700');
    assert.equal(headerValue(headers, 'x-multi'), 'a, b  c ');
    assert.equal(headerValue(headers, 'absent'), undefined);
  });
  it('trims and collapses values, in SignedHeaders order', () => {
    assert.equal(canonicalHeaders(headers, ['host', 'x-multi']), 'host:127.0.0.1:8700\nx-multi:a, b c\n');
  });
  it('keeps a malformed escape as written', () => {
    assert.equal(percentDecode('%E1%88%B4%zz%41'), 'ሴ%zzA');
  });
});
