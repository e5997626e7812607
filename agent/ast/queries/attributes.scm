; Attribute accesses `obj.name`; `@call` marks those that are called.
(call function: (attribute object: (_) @object attribute: (identifier) @method))
(attribute object: (_) @object attribute: (identifier) @attribute)
