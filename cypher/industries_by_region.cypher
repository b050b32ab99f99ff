// Industries by region: each region with the industries it is known for, its own (Region
// IN_INDUSTRY) and those of the companies, projects and parks located in it; most industries first.
// Parameters: none
// Example: kg query industries_by_region
MATCH (r:Region)<-[:LOCATED_IN*0..1]-(x)-[:IN_INDUSTRY]->(i:Industry)
WITH r, i ORDER BY i.name
WITH r, collect(DISTINCT i.name) AS industries
RETURN r.name AS region, size(industries) AS n_industries, industries, r.id AS region_id
ORDER BY n_industries DESC, region
