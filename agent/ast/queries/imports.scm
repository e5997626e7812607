; Import statements anywhere in a module (top level, functions, try blocks): the import graph.
(import_statement) @import
(import_from_statement) @import
(future_import_statement) @import
