// The cooperation network around an entity: the companies and institutions it cooperates with,
// and theirs in turn (COOPERATES_WITH, either direction, up to two steps), nearest first.
// Parameters:
//   $entity  a company's or institution's name, alias or id (中山大学, 呼和浩特市第一医院…)
// Example: kg query cooperation_network --param entity=中山大学
MATCH (e)
WHERE (e:Company OR e:Institution) AND (e.name = $entity OR e.id = $entity OR $entity IN e.aliases)
MATCH path = (e)-[:COOPERATES_WITH*1..2]-(o)
WHERE o.id <> e.id
WITH e, o, min(length(path)) AS distance
RETURN o.name AS partner, [l IN labels(o) WHERE l IN ['Company', 'Institution']][0] AS label,
       distance, e.name AS entity, o.id AS partner_id
ORDER BY distance, partner
