"""`kg browse`: a local web page to explore a built graph (embedded store or Neo4j).

`kg.browse.app.Browser` answers the page's questions from an open store, `kg.browse.readonly`
keeps the query box read-only, `kg.browse.server` serves the page and the JSON API with the
standard library's http.server, and `kg/browse/static/` holds the page with the bundled
vis-network (see static/vendor/README.txt).
"""
