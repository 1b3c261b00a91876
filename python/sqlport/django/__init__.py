"""``ENGINE: "sqlport.django"``: Django's SQLite backend on sqlport.

Local NAMEs (a file, ``:memory:``) behave as Django's own ``sqlite3`` backend;
remote NAMEs (``libsql://``, ``https://``, ``http://``, ``ws(s)://``, a bare
host name) talk to libSQL/sqld/Turso over HTTP with real transactions,
savepoints and connection-scoped PRAGMAs, and generate SQL that needs no
Python function registered on the connection.
"""
