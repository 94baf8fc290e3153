import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { amiNameTemplateProblem, renderAmiName } from './ami-name.js';

const at = { buildDate: Date.UTC(2024, 4, 6, 7, 8, 9, 10), buildVersion: 3 };

describe('AMI name templates', () => {
  const renders: [string, string][] = [
    ['web-{{imagebuilder:buildDate}}', 'web-2024-05-06T07-08-09.010Z'],
    ['web-{{ imagebuilder:buildVersion }}-x', 'web-3-x'],
    ['web-{{imagebuilder:buildDate:yyyyMMdd-HHmm}}', 'web-20240506-0708'],
    ['plain', 'plain'],
  ];
  for (const [template, name] of renders)
    it(`renders ${template}`, () => {
      assert.equal(renderAmiName(template, at), name);
      assert.equal(amiNameTemplateProblem(template, at), undefined);
    });

  const problems: [string, RegExp][] = [
    ['x-{{imagebuilder:buildNumber}}', /unknown variable/],
    ['x-{{imagebuilder:buildDate:yyyyQQ}}', /date format/],
    ['a{b', /characters a name template may not have|braces/],
    ['{{imagebuilder:buildVersion}}', /3 to 127/],
    ['web: {{imagebuilder:buildVersion}}', /has ':'/],
    [`${'a'.repeat(120)}-{{imagebuilder:buildDate}}`, /has 147 characters; use 1 to 127/],
  ];
  for (const [template, problem] of problems)
    it(`refuses ${template.slice(0, 40)}`, () =>
      assert.match(amiNameTemplateProblem(template, at) ?? '', problem));
});
