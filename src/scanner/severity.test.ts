import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveSeverity, scoreCvss, severityOfScore, severityOfUrgency } from './severity.js';

test('scores CVSS v3.0, v3.1 and v4.0 vectors and refuses incomplete ones', () => {
  const table: readonly [string, number | undefined][] = [
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5],
    ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H', 5.5],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
    ['CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N', 5.4],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3],
    ['CVSS:3.1/AV:N', undefined],
    ['AV:N/AC:L/Au:N/C:P/I:P/A:P', undefined],
    ['garbage', undefined],
  ];
  for (const [vector, score] of table) assert.equal(scoreCvss(vector)?.score, score, vector);
});

test('maps urgencies and scores to severities', () => {
  const urgencies: readonly [string, string | undefined][] = [
    ['unimportant', 'LOW'],
    ['low**', 'LOW'],
    ['medium*', 'MEDIUM'],
    ['high', 'HIGH'],
    ['not yet assigned', undefined],
    ['end-of-life', undefined],
  ];
  for (const [u, s] of urgencies) assert.equal(severityOfUrgency(u), s, u);
  const scores: readonly [number, string][] = [
    [0, 'INFORMATIONAL'],
    [0.1, 'LOW'],
    [3.9, 'LOW'],
    [4, 'MEDIUM'],
    [7, 'HIGH'],
    [8.9, 'HIGH'],
    [9, 'CRITICAL'],
  ];
  for (const [n, s] of scores) assert.equal(severityOfScore(n), s, String(n));
});

test('urgency wins over CVSS, v3 over v4, and nothing gives UNTRIAGED', () => {
  const v3 = scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')!;
  const v4 = scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N')!;
  const table: readonly [string[], (typeof v3)[], string, string][] = [
    [['low', 'medium'], [v3], 'MEDIUM', 'debian-urgency'],
    [['not yet assigned'], [v4, v3], 'CRITICAL', 'cvss-v3'],
    [[], [v4], 'HIGH', 'cvss-v4'],
    [[], [], 'UNTRIAGED', 'none'],
  ];
  for (const [u, s, severity, source] of table) {
    const r = resolveSeverity(u, s);
    assert.deepEqual([r.severity, r.source], [severity, source], JSON.stringify(u));
  }
});
