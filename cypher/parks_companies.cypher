// Which enterprises cluster in which industrial park: each park with its companies, largest first.
// A company is in a park when it is LOCATED_IN the park, or DEVELOPS a project LOCATED_IN it;
// a park also counts the companies of the parks that are PART_OF it (up to three levels).
// Parameters: none
// Example: kg query parks_companies --graph out
MATCH (c:Company)-[:LOCATED_IN|DEVELOPS*1..2]->(site:IndustrialPark)
MATCH (site)-[:PART_OF*0..3]->(p:IndustrialPark)
WITH p, c ORDER BY c.name
WITH p, collect(DISTINCT c.name) AS companies
RETURN p.name AS park, size(companies) AS n_companies, companies, p.id AS park_id
ORDER BY n_companies DESC, park
