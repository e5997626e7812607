"""Tree-sitter query sources (`*.scm`), kept as data and loaded by `agent.ast.query`."""
