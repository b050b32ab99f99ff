// FalkorDB schema for the kg graph: run by the embedded store before loading
// (kg/store/embedded.py). An index on `id` (MERGE/MATCH by id) and on `name` (lookups) per
// label. FalkorDB has no IF NOT EXISTS here: re-running answers "already indexed", which the
// store ignores.

CREATE INDEX FOR (n:Company) ON (n.id);
CREATE INDEX FOR (n:Company) ON (n.name);
CREATE INDEX FOR (n:Institution) ON (n.id);
CREATE INDEX FOR (n:Institution) ON (n.name);
CREATE INDEX FOR (n:Region) ON (n.id);
CREATE INDEX FOR (n:Region) ON (n.name);
CREATE INDEX FOR (n:IndustrialPark) ON (n.id);
CREATE INDEX FOR (n:IndustrialPark) ON (n.name);
CREATE INDEX FOR (n:Project) ON (n.id);
CREATE INDEX FOR (n:Project) ON (n.name);
CREATE INDEX FOR (n:Industry) ON (n.id);
CREATE INDEX FOR (n:Industry) ON (n.name);
CREATE INDEX FOR (n:Person) ON (n.id);
CREATE INDEX FOR (n:Person) ON (n.name);
CREATE INDEX FOR (n:Document) ON (n.id);
CREATE INDEX FOR (n:Document) ON (n.name);
