// Projects by investment, largest first: the amount (yuan, and as the text wrote it), who
// develops each one and where it is.
// Parameters:
//   $min_cny = 0  the smallest investment to list, in yuan: 1亿元 = 100000000
// Example: kg query projects_by_investment --param min_cny=100000000
MATCH (p:Project)
WHERE p.investment_cny >= $min_cny
OPTIONAL MATCH (o)-[:DEVELOPS]->(p)
OPTIONAL MATCH (p)-[:LOCATED_IN]->(w)
RETURN p.name AS project, p.investment_cny AS investment_cny, p.investment_cny_text AS investment_text,
       collect(DISTINCT o.name) AS developers, collect(DISTINCT w.name) AS located_in, p.id AS project_id
ORDER BY investment_cny DESC, project
