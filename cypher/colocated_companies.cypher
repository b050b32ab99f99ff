// Co-located companies: pairs of companies in the same industrial park (LOCATED_IN the park, or
// developing a project LOCATED_IN it, as parks_companies counts them), each pair once.
// Parameters: none
// Example: kg query colocated_companies
MATCH (a:Company)-[:LOCATED_IN|DEVELOPS*1..2]->(p:IndustrialPark)<-[:LOCATED_IN|DEVELOPS*1..2]-(b:Company)
WHERE a.name < b.name
RETURN DISTINCT p.name AS park, a.name AS company_a, b.name AS company_b
ORDER BY park, company_a, company_b
