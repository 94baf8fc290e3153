import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderFields, renderTable } from './table.js';

interface Row {
  name: string;
  version?: string;
  note?: string;
}

const COLUMNS = [
  { header: 'name', value: (r: Row) => r.name },
  { header: 'version', value: (r: Row) => r.version },
  { header: 'note', value: (r: Row) => r.note },
];

test('renderTable aligns columns, marks missing values and trims line ends', () => {
  const cases: { rows: Row[]; want: string }[] = [
    { rows: [], want: 'NAME  VERSION  NOTE\n' },
    {
      rows: [
        { name: 'nginx-web', version: '1.0.0', note: 'first' },
        { name: 'x', version: '10.20.30' },
      ],
      want: ['NAME       VERSION   NOTE', 'nginx-web  1.0.0     first', 'x          10.20.30  -', ''].join(
        '\n',
      ),
    },
    {
      rows: [{ name: 'multi', version: '', note: 'line one\n  line two' }],
      want: ['NAME   VERSION  NOTE', 'multi  -        line one line two', ''].join('\n'),
    },
  ];
  for (const c of cases) assert.equal(renderTable(COLUMNS, c.rows), c.want);
});

test('renderFields aligns keys', () => {
  assert.equal(
    renderFields([
      ['arn', 'a'],
      ['version', undefined],
    ]),
    'arn:      a\nversion:  -\n',
  );
});
