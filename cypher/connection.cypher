// How two entities are connected: the shortest chain of facts (any relationship but
// MENTIONED_IN, either direction, at most four steps) between them. A bounded variable-length
// match ordered by length: FalkorDB has no undirected shortestPath, so this form runs on both.
// Parameters:
//   $from  an entity's name, alias or id (中山大学, 龙马集团…)
//   $to    another entity's name, alias or id (内蒙古大学, 呼和浩特市…)
// Example: kg query connection --param from=中山大学 --param to=内蒙古大学
MATCH (a) WHERE a.name = $from OR a.id = $from OR $from IN a.aliases
MATCH (b) WHERE b.name = $to OR b.id = $to OR $to IN b.aliases
MATCH path = (a)-[:LOCATED_IN|PART_OF|SUBSIDIARY_OF|DEVELOPS|COOPERATES_WITH|SERVES|IN_INDUSTRY|HOLDS_POSITION*1..4]-(b)
WITH path ORDER BY length(path) LIMIT 1
RETURN [n IN nodes(path) | n.name] AS entities, [r IN relationships(path) | type(r)] AS relationships,
       length(path) AS hops
