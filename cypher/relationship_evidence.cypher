// The evidence behind a relationship: every sentence (file, character offsets, text) a fact
// between two entities was read from, with its type, rule, source and confidence. A fact from
// reference data (source gazetteer) has no sentence: one row with empty evidence.
// Parameters:
//   $subject  the subject's name, alias or id (内蒙古大学, 合生远景（内蒙古）生物科技有限公司…)
//   $object   the object's name, alias or id (内蒙古自治区, 内蒙古…)
// Example: kg query relationship_evidence --param subject=内蒙古大学 --param object=内蒙古自治区
MATCH (a)-[r]->(b)
WHERE type(r) <> 'MENTIONED_IN'
  AND (a.name = $subject OR a.id = $subject OR $subject IN a.aliases)
  AND (b.name = $object OR b.id = $object OR $object IN b.aliases)
UNWIND CASE WHEN size(r.evidence_docs) = 0 THEN [-1] ELSE range(0, size(r.evidence_docs) - 1) END AS i
RETURN type(r) AS relationship, r.rule AS rule, r.source AS source, r.confidence AS confidence,
       CASE WHEN i < 0 THEN null ELSE r.evidence_docs[i] END AS doc,
       CASE WHEN i < 0 THEN null ELSE r.evidence_starts[i] END AS start,
       CASE WHEN i < 0 THEN null ELSE r.evidence_ends[i] END AS end,
       CASE WHEN i < 0 THEN null ELSE r.evidence_texts[i] END AS text
ORDER BY relationship, doc, start
