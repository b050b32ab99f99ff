// A company's profile: its places, parks, projects, partners, clients, parent and subsidiaries,
// people and industries, one row per fact, with the rule that read it and its first evidence.
// Parameters:
//   $company  the company's name, alias or id (合生远景（内蒙古）生物科技有限公司, 金宇保灵生物药品有限公司…)
// Example: kg query company_profile --param company=合生远景（内蒙古）生物科技有限公司
MATCH (c:Company)
WHERE c.name = $company OR c.id = $company OR $company IN c.aliases
MATCH (c)-[r]-(x)
WHERE type(r) <> 'MENTIONED_IN'
WITH c, r, x, startNode(r) = c AS outgoing,
     [l IN labels(x) WHERE NOT l IN ['Province', 'City', 'County']][0] AS label
RETURN c.name AS company,
       CASE
         WHEN type(r) = 'LOCATED_IN' AND label = 'IndustrialPark' THEN 'park'
         WHEN type(r) = 'LOCATED_IN' THEN 'place'
         WHEN type(r) = 'DEVELOPS' THEN 'project'
         WHEN type(r) = 'COOPERATES_WITH' THEN 'partner'
         WHEN type(r) = 'SERVES' AND outgoing THEN 'client'
         WHEN type(r) = 'SERVES' THEN 'supplier'
         WHEN type(r) = 'SUBSIDIARY_OF' AND outgoing THEN 'parent'
         WHEN type(r) = 'SUBSIDIARY_OF' THEN 'subsidiary'
         WHEN type(r) = 'HOLDS_POSITION' THEN 'person'
         WHEN type(r) = 'IN_INDUSTRY' THEN 'industry'
         ELSE toLower(type(r))
       END AS aspect,
       x.name AS name, label, r.title AS title, type(r) AS relationship, r.rule AS rule,
       r.confidence AS confidence, r.evidence_docs[0] AS doc, r.evidence_texts[0] AS evidence
ORDER BY aspect, name
