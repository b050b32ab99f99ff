"""The language layer: what the stages know about Chinese text, below all of them.

`tokens` segments text with jieba's algorithm and dictionary (jieba-rs) and looks up
part-of-speech tags and character frequencies; `lexicon` holds the general word lists (name
suffixes, title words, surnames, industry terms). Ingest, the gazetteer and extraction read them;
nothing here imports another part of `kg`, and nothing here names a particular company, park or
project.
"""
