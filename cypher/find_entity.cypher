// Find entities by part of a name or alias: their label, canonical name, aliases, id and in how
// many documents they are mentioned. Use it to get the names and ids other queries take.
// Parameters:
//   $text  part of a name or alias (合生, 开发区…)
// Example: kg query find_entity --param text=合生
MATCH (n)
WHERE NOT n:Document AND (n.name CONTAINS $text OR any(a IN n.aliases WHERE a CONTAINS $text))
OPTIONAL MATCH (n)-[:MENTIONED_IN]->(d:Document)
RETURN [l IN labels(n) WHERE NOT l IN ['Province', 'City', 'County']][0] AS label, n.name AS name,
       n.aliases AS aliases, count(d) AS documents, n.id AS id
ORDER BY label, name
