// The most connected entities: degree over every relationship but MENTIONED_IN (facts, not
// mentions), both directions, highest first.
// Parameters:
//   $limit = 10  how many to list
// Example: kg query most_connected --param limit=20
MATCH (n)-[r]-()
WHERE type(r) <> 'MENTIONED_IN'
WITH n, count(r) AS degree
RETURN n.name AS entity, [l IN labels(n) WHERE NOT l IN ['Province', 'City', 'County']][0] AS label,
       degree, n.id AS id
ORDER BY degree DESC, entity
LIMIT $limit
