; Statements a repair may copy from one place to another (agent.repair.templates.statement_donor).
(expression_statement) @statement
(if_statement) @statement
