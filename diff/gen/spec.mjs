// Reads @aws-cdk/aws-service-spec (installed by generate.sh) and prints the
// table tollgate's diff embeds: for every resource type, whether it holds
// data (stateful), its top-level properties, and every property path whose
// change replaces the resource ("R") or may replace it ("C"), nested paths
// included. Lists are transparent in paths (GlobalSecondaryIndexes.KeySchema);
// a map's keys are written "*".
//
// One line per type, tab-separated: type, flags, properties, rules.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

const pkgDir = join(process.argv[2], 'node_modules', '@aws-cdk', 'aws-service-spec');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const db = JSON.parse(gunzipSync(readFileSync(join(pkgDir, 'db.json.gz'))).toString('utf8'));
const schema = db.schema;
const typeDefs = new Map(schema.typeDefinition.entities.map((t) => [t.$id, t]));

// Types the spec does not mark stateful but that hold data a replacement or
// deletion destroys.
const extraStateful = [
  'AWS::DocDBElastic::Cluster', 'AWS::ECR::Repository', 'AWS::Glacier::Vault', 'AWS::Keyspaces::Table',
  'AWS::MemoryDB::Cluster', 'AWS::RDS::GlobalCluster', 'AWS::RedshiftServerless::Namespace',
  'AWS::Timestream::Database', 'AWS::Timestream::Table', 'AWS::S3Express::DirectoryBucket',
  'AWS::S3Tables::TableBucket', 'AWS::Cassandra::Table', 'AWS::Lightsail::Database',
  'AWS::DSQL::Cluster', 'AWS::SSM::Parameter',
  // Kafka topics and cached data go with the cluster (issue 14's audit).
  'AWS::MSK::Cluster', 'AWS::MSK::ServerlessCluster', 'AWS::ElastiCache::ServerlessCache',
];

const code = (p) => (p.causesReplacement === 'yes' ? 'R' : p.causesReplacement === 'maybe' ? 'C' : '');

// refsOf yields [typeDefId, segmentSuffix] for the type definitions a
// property type reaches: a ref directly, through an array (transparent) or
// through a map (a "*" segment).
function refsOf(t, out = []) {
  if (!t) return out;
  switch (t.type) {
    case 'ref': out.push([t.reference.$ref, []]); break;
    case 'array': refsOf(t.element).forEach(([id, s]) => out.push([id, s])); break;
    case 'map': refsOf(t.element).forEach(([id, s]) => out.push([id, ['*', ...s]])); break;
    case 'union': (t.types || []).forEach((u) => refsOf(u, out)); break;
  }
  return out;
}

function walk(props, prefix, seen, rules, depth) {
  if (depth > 8) return;
  for (const [name, p] of Object.entries(props || {})) {
    const path = [...prefix, name];
    const c = code(p);
    if (c) rules.set(path.join('.'), c);
    if (c === 'R') continue; // everything below replaces too
    for (const [id, suffix] of refsOf(p.type)) {
      if (seen.has(id)) continue; // recursive type definitions
      const td = typeDefs.get(id);
      if (!td) continue;
      seen.add(id);
      walk(td.properties, [...path, ...suffix], seen, rules, depth + 1);
      seen.delete(id);
    }
  }
}

const lines = [];
for (const r of schema.resource.entities) {
  const type = r.cloudFormationType;
  if (!type || /\s/.test(type)) continue;
  const rules = new Map();
  walk(r.properties, [], new Set(), rules, 0);
  for (const path of r.additionalReplacementProperties || []) {
    rules.set(path.filter((s) => s !== '*').join('.'), 'R');
  }
  const flags = r.isStateful || extraStateful.includes(type) ? 'S' : '-';
  const props = Object.keys(r.properties || {}).sort();
  const ruleText = [...rules.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([p, c]) => `${p}=${c}`);
  lines.push([type, flags, props.join(' '), ruleText.join(' ')].join('\t'));
}
lines.sort();
process.stdout.write(`# ${pkg.name} ${pkg.version}\n` + lines.join('\n') + '\n');
