/**
 * Validates a generated 1,000-step component document repeatedly and prints the median and
 * p95 wall time. Run: npx tsx bench/toe-validate.ts [steps] [runs]
 */
import { performance } from 'node:perf_hooks';
import { validateComponentDocument } from '../src/toe/index.js';

function generate(steps: number): string {
  const out = [
    'name: bench',
    'schemaVersion: 1.0',
    'parameters:',
    '  - Version:',
    '      type: string',
    "      default: '1.0.0'",
    'constants:',
    '  - Bucket:',
    '      type: string',
    '      value: bench-bucket',
    'phases:',
    '  - name: build',
    '    steps:',
  ];
  for (let i = 0; i < steps; i++) {
    const name = `Step-${i}`;
    switch (i % 5) {
      case 0:
        out.push(
          `      - name: ${name}`,
          '        action: ExecuteBash',
          '        inputs:',
          '          commands:',
          '            - |',
          `              echo "step ${i} {{ Version }}"`,
          i > 0 ? `              echo '{{ build.Step-${i - 5}.outputs.stdout }}'` : '              true',
        );
        break;
      case 1:
        out.push(
          `      - name: ${name}`,
          '        action: S3Download',
          '        maxAttempts: 3',
          '        inputs:',
          `          - source: s3://{{ Bucket }}/{{ Version }}/file-${i}`,
          `            destination: /tmp/file-${i}`,
        );
        break;
      case 2:
        out.push(
          `      - name: ${name}`,
          '        action: CreateFile',
          '        if:',
          '          and:',
          `            - fileExists: '{{ build.Step-${i - 1}.inputs[0].destination }}'`,
          "            - not: {stringEquals: 'x', value: '{{ Version }}'}",
          '        inputs:',
          `          - path: /tmp/out-${i}`,
          "            content: 'hello {{ Version }}'",
          '            permissions: 0644',
        );
        break;
      case 3:
        out.push(
          `      - name: ${name}`,
          '        action: ExecuteBash',
          `        loop: {name: loop${i}, forEach: [a, b, '{{ Version }}']}`,
          '        inputs:',
          `          commands: ['echo {{ loop${i}.value }} {{ loop.index }}']`,
        );
        break;
      default:
        out.push(
          `      - name: ${name}`,
          '        action: Assert',
          '        onFailure: Continue',
          '        inputs:',
          `          stringEquals: '{{ build.Step-${i - 4}.outputs.stdout }}'`,
          "          value: 'step'",
        );
    }
  }
  return `${out.join('\n')}\n`;
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? Number.NaN;
}

const steps = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 50);
const text = generate(steps);
const first = validateComponentDocument(text, { platform: 'Linux' });
if (!first.ok) {
  console.error(first.problems.slice(0, 5));
  throw new Error('the generated document is not valid');
}
for (let i = 0; i < 5; i++) validateComponentDocument(text, { platform: 'Linux' });
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const start = performance.now();
  validateComponentDocument(text, { platform: 'Linux' });
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
console.log(
  `toe validate: ${steps} steps, ${text.length} bytes, ${runs} runs: ` +
    `median ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`,
);
