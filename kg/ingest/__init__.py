"""Ingest: source files → repaired articles whose characters map back to the file's text.

`read` finds, names and decodes source files; `layout` repairs a page dump and cuts it into
articles; `reprints` sketches articles to find the same one printed twice; `sentences` cuts an
article into sentences. The build (`kg.passes`) reads a file with `read_source`, splits it with
`split_articles`, sketches each article and later splits its sentences.

Offsets. `Article.offsets[i]` is the index, in the file's text *as decoded* (a UTF-8, UTF-16 or UTF-32
BOM removed, so offset 0 is the first character after the BOM), of `Article.text[i]`, plus one entry for the
end. Repairs never invent characters: joined fragments simply skip the blank lines between them,
removed edition markers / markdown marks / page furniture are skipped, the "\n" between two
paragraphs maps to the newline that ended the first one, and punctuation normalisation swaps one
character for one character (so `text[i]` is the file's character, or its full-width form).
"""
from kg.ingest import read
from kg.ingest.layout import MAX_ARTICLE, MAX_LINE, split_articles
from kg.ingest.read import (SOURCE_SUFFIXES, SourceError, decode_source, doc_names, is_url, iter_source_files,
                            read_bytes, read_source)
from kg.ingest.reprints import (DUPLICATE_THRESHOLD, INDEXED, SHINGLE, SKETCH, Duplicates, Sketch,
                                estimated_similarity, shingles, similarity, sketch)
from kg.ingest.sentences import split_sentences

__all__ = ["DUPLICATE_THRESHOLD", "INDEXED", "MAX_ARTICLE", "MAX_LINE", "SHINGLE", "SKETCH", "SOURCE_SUFFIXES",
           "Duplicates", "Sketch", "SourceError", "decode_source", "doc_names", "is_url", "read_bytes", "estimated_similarity", "iter_source_files", "read",
           "read_source", "shingles", "similarity", "sketch", "split_articles", "split_sentences"]
