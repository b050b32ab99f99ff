// The companies in a region: located in it directly, or in a park, county or city that is
// LOCATED_IN or PART_OF it (up to five steps), with the place each one is directly located in.
// Parameters:
//   $region  the region's name, alias or id (find_entity gives ids) (内蒙古自治区, 内蒙古, 呼和浩特市, 呼和浩特…)
// Example: kg query region_companies --param region=包头市
MATCH (r:Region)
WHERE r.name = $region OR r.id = $region OR $region IN r.aliases
MATCH path = (c:Company)-[:LOCATED_IN|PART_OF*1..5]->(r)
WITH r, c, min(length(path)) AS hops
MATCH (c)-[:LOCATED_IN]->(place)
WITH r, c, hops, collect(DISTINCT place.name) AS located_in
RETURN c.name AS company, located_in, hops, r.name AS region, c.id AS company_id
ORDER BY hops, company
