"""Recursive-descent evaluator for arithmetic: + - * / % ** unary minus, parentheses.

Grammar::

    expr   := term (('+' | '-') term)*
    term   := unary (('*' | '/' | '%') unary)*
    unary  := '-' unary | power
    power  := atom ('**' unary)?        # right-associative
    atom   := NUMBER | NAME | '(' expr ')'
"""
from __future__ import annotations

import re

_TOKEN = re.compile(r"\s*(?:(\d+\.\d*|\.\d+|\d+)|(\*\*|[-+*/%()])|([A-Za-z_]\w*))")


class ExprError(ValueError):
    """Syntax error or unknown variable."""


def tokenize(text: str) -> list[str]:
    """Split an expression into number, operator and name tokens."""
    tokens = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ExprError(f"unexpected character {text[pos]!r} at {pos}")
        tokens.append(match.group(match.lastindex))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str], variables: dict[str, float]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.variables = variables

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise ExprError("unexpected end of expression")
        self.pos += 1
        return token

    def expr(self) -> float:
        value = self.term()
        while self.peek() in ("+", "-"):
            if self.take() == "+":
                value += self.term()
            else:
                value -= self.term()
        return value

    def term(self) -> float:
        value = self.unary()
        while self.peek() in ("*", "/", "%"):
            op = self.take()
            rhs = self.unary()
            if op == "*":
                value *= rhs
            elif rhs == 0:
                raise ExprError("division by zero")
            elif op == "/":
                value /= rhs
            else:
                value %= rhs
        return value

    def unary(self) -> float:
        if self.peek() == "-":
            self.take()
            return -self.unary()
        return self.power()

    def power(self) -> float:
        base = self.atom()
        if self.peek() == "**":
            self.take()
            return base ** self.unary()
        return base

    def atom(self) -> float:
        token = self.take()
        if token == "(":
            value = self.expr()
            if self.take() != ")":
                raise ExprError("expected ')'")
            return value
        if token[0].isdigit() or token[0] == ".":
            return float(token) if "." in token else int(token)
        if token[0].isalpha() or token[0] == "_":
            if token not in self.variables:
                raise ExprError(f"unknown variable {token!r}")
            return self.variables[token]
        raise ExprError(f"unexpected token {token!r}")


def evaluate(text: str, variables: dict[str, float] | None = None) -> float:
    """Evaluate ``text``; raises ExprError on bad syntax or unknown names."""
    parser = _Parser(tokenize(text), variables or {})
    value = parser.expr()
    if parser.peek() is not None:
        raise ExprError(f"unexpected token {parser.peek()!r}")
    return value
