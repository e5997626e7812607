; Every identifier, for collecting the names a statement mentions.
(identifier) @name
