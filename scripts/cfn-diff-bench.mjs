// Times @aws-cdk/cloudformation-diff's fullDiff on two template files:
//   node cfn-diff-bench.mjs NODE_MODULES_PARENT BASE HEAD RUNS
// prints "median_wall_ms changed_resources median_cpu_ms". Used by bench-diff.sh.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [dir, basePath, headPath, runsText] = process.argv.slice(2);
const require = createRequire(join(dir, 'package.json'));
const { fullDiff } = require('@aws-cdk/cloudformation-diff');
const base = JSON.parse(readFileSync(basePath, 'utf8'));
const head = JSON.parse(readFileSync(headPath, 'utf8'));
const runs = Math.max(1, Number(runsText) || 1);
const times = [];
const cpus = [];
let changed = 0;
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const d = fullDiff(base, head);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  cpus.push((used.user + used.system) / 1000);
  times.push(ms);
  changed = d.resources.differenceCount;
  if (ms > 10000) break; // slow enough: one run says it
}
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${median(times).toFixed(1)} ${changed} ${median(cpus).toFixed(1)}`);
