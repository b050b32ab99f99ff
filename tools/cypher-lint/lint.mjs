// Lint Cypher statements with Neo4j's own language support (@neo4j-cypher/language-support).
//
// stdin:  {"schema": {labels, relationshipTypes, propertyKeys, parameters, ...}, "statements": [{"name", "query"}]}
//         (schema is a DbSchema as lintCypherQuery takes it; functions and procedures default to
//          Neo4j's built-in ones, so APOC or a misspelt function is flagged, and the language to
//          CYPHER 5, Neo4j 5's)
// stdout: [{"name", "diagnostics": [{"severity": "error"|"warning"|..., "message", "line", "column", "offsets"}]}]
// exit:   0 when it could lint (look at the diagnostics), 2 on bad input.
import { lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };

function builtIns(registry) {
  // Neo4j's built-in functions/procedures, per Cypher version, from the package's own catalogue.
  const out = {};
  for (const [version, entries] of Object.entries(registry || {})) {
    out[version] = Object.fromEntries(Object.entries(entries).filter(([, f]) => f.isBuiltIn !== false
      && !f.name.startsWith('apoc.') && !f.name.startsWith('gds.')));
  }
  return out;
}

async function main() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  let request;
  try {
    request = JSON.parse(input);
  } catch (e) {
    process.stderr.write(`cypher-lint: stdin is not JSON: ${e.message}\n`);
    process.exit(2);
  }
  const schema = {
    functions: builtIns(testData.mockSchema.functions),
    procedures: builtIns(testData.mockSchema.procedures),
    defaultLanguage: 'CYPHER 5',
    ...(request.schema || {}),
  };
  const results = (request.statements || []).map(({ name, query }) => {
    const { diagnostics } = lintCypherQuery(query, schema);
    return {
      name,
      diagnostics: diagnostics.map((d) => ({
        severity: SEVERITY[d.severity] || String(d.severity),
        message: d.message,
        line: d.range.start.line + 1,
        column: d.range.start.character + 1,
        offsets: d.offsets,
      })),
    };
  });
  process.stdout.write(JSON.stringify(results) + '\n');
}

main();
