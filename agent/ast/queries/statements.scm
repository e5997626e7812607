; Statements a repair may copy from one place to another (agent.generate.templates.statement_insert_donor).
(expression_statement) @statement
(if_statement) @statement
