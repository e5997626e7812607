"""The LLM agent: a tool loop (loop) over a `ChatModel` (agent.llm) with the tools it may call
(tools/) and the protocols that encode them (protocols); `engine` runs it inside a repair session."""
