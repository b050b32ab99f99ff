// Industries by industrial park: each park with its own industries (IndustrialPark IN_INDUSTRY)
// and those of the companies and projects located in it; most industries first.
// Parameters: none
// Example: kg query industries_by_park
MATCH (p:IndustrialPark)<-[:LOCATED_IN*0..1]-(x)-[:IN_INDUSTRY]->(i:Industry)
WITH p, i ORDER BY i.name
WITH p, collect(DISTINCT i.name) AS industries
RETURN p.name AS park, size(industries) AS n_industries, industries, p.id AS park_id
ORDER BY n_industries DESC, park
