import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandDockerfileTemplate, parseDockerfile } from './container-build.js';

test('expands the Image Builder placeholders and parses the Dockerfile', () => {
  const text = expandDockerfileTemplate(
    'FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\n{{{ imagebuilder:components }}}\nENV A=1 B="two words"\nRUN apt-get update && \\\n  apt-get install -y nginx-light\nWORKDIR /srv\nUSER www-data\nLABEL app=web\nCMD ["nginx", "-g", "daemon off;"]\n',
    'debian:bookworm',
    ['LANG=C.UTF-8'],
  );
  assert.deepEqual(parseDockerfile(text), [
    { op: 'FROM', image: 'debian:bookworm' },
    { op: 'ENV', pairs: [['LANG', 'C.UTF-8']] },
    { op: 'COMPONENTS' },
    {
      op: 'ENV',
      pairs: [
        ['A', '1'],
        ['B', 'two words'],
      ],
    },
    { op: 'RUN', command: 'apt-get update &&  apt-get install -y nginx-light' },
    { op: 'WORKDIR', value: '/srv' },
    { op: 'USER', value: 'www-data' },
    { op: 'LABEL', pairs: [['app', 'web']] },
    { op: 'CMD', argv: ['nginx', '-g', 'daemon off;'] },
  ]);
});

test('refuses instructions the native builder does not handle, by line', () => {
  assert.throws(
    () => parseDockerfile('FROM debian:bookworm\nCOPY a /b\n'),
    /line 2: 'COPY' is not supported/,
  );
});
