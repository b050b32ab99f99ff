// Co-located companies: pairs of companies in the same industrial park (LOCATED_IN the park, or
// developing a project LOCATED_IN it, as parks_companies counts them), each pair once.
// Parameters: none
// Example: kg query colocated_companies
// (The companies of each park are gathered first, then paired: two companies developing one
// project share its LOCATED_IN, which one path may not use twice in Neo4j, though FalkorDB allows it.)
MATCH (c:Company)-[:LOCATED_IN|DEVELOPS*1..2]->(p:IndustrialPark)
WITH p, collect(DISTINCT c) AS companies
UNWIND companies AS a
UNWIND companies AS b
WITH p, a, b
WHERE a.name < b.name
RETURN DISTINCT p.name AS park, a.name AS company_a, b.name AS company_b
ORDER BY park, company_a, company_b
