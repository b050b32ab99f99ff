// Neo4j 5 schema for the kg graph: run by `kg load` before loading (kg/store/neo4j.py).
// A uniqueness constraint on `id` per label (MERGE on id uses its index; works on Community,
// no APOC) and a range index on `name` (lookups by name). Named and IF NOT EXISTS: re-running
// is harmless. Paste into Neo4j Browser to create them by hand.

CREATE CONSTRAINT kg_company_id IF NOT EXISTS FOR (n:Company) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT kg_institution_id IF NOT EXISTS FOR (n:Institution) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT kg_region_id IF NOT EXISTS FOR (n:Region) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT kg_industrial_park_id IF NOT EXISTS FOR (n:IndustrialPark) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT kg_project_id IF NOT EXISTS FOR (n:Project) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT kg_industry_id IF NOT EXISTS FOR (n:Industry) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT kg_person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT kg_document_id IF NOT EXISTS FOR (n:Document) REQUIRE n.id IS UNIQUE;
CREATE INDEX kg_company_name IF NOT EXISTS FOR (n:Company) ON (n.name);
CREATE INDEX kg_institution_name IF NOT EXISTS FOR (n:Institution) ON (n.name);
CREATE INDEX kg_region_name IF NOT EXISTS FOR (n:Region) ON (n.name);
CREATE INDEX kg_industrial_park_name IF NOT EXISTS FOR (n:IndustrialPark) ON (n.name);
CREATE INDEX kg_project_name IF NOT EXISTS FOR (n:Project) ON (n.name);
CREATE INDEX kg_industry_name IF NOT EXISTS FOR (n:Industry) ON (n.name);
CREATE INDEX kg_person_name IF NOT EXISTS FOR (n:Person) ON (n.name);
CREATE INDEX kg_document_name IF NOT EXISTS FOR (n:Document) ON (n.name);
